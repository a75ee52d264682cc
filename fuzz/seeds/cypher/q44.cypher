//# id=q45 expect=ok tags=load_csv,import
LOAD CSV WITH HEADERS FROM $url AS row
MATCH (t:Tenant {id: $tenant_id})
MERGE (u:User {email: row.email})-[:BELONGS_TO]->(t)