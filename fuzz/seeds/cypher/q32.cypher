//# id=q33 expect=ok tags=foreach,merge
MATCH (t:Tenant {id: $tenant_id})
FOREACH (tag IN $tags | MERGE (g:Tag {name: tag})-[:TAGGED]->(t))