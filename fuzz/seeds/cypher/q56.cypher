//# id=q57 expect=ok tags=use_database,neo4j5
USE tenant_db
MATCH (u:User)-[:BELONGS_TO]->(t:Tenant {id: $tenant_id})
RETURN count(u)