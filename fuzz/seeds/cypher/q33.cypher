//# id=q34 expect=ok tags=union
MATCH (u:User)-[:BELONGS_TO]->(:Tenant {id: $tenant_id}) RETURN u.id AS id
UNION
MATCH (k:ApiKey)-[:ISSUED_FOR]->(:Tenant {id: $tenant_id}) RETURN k.id AS id