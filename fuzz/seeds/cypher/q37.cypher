//# id=q38 expect=ok tags=count_subquery,neo4j5
MATCH (t:Tenant {id: $tenant_id})
RETURN t.id, COUNT { (t)<-[:BELONGS_TO]-(:User) } AS users