//# id=q48 expect=ok tags=multi_statement,cypher_file
MATCH (t:Tenant {id: $tenant_id}) SET t.migrated = true;
MATCH (p:Partner) SET p.migrated = true;