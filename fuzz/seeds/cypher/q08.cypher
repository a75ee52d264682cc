//# id=q09 expect=ok tags=undirected,unscoped
MATCH (a:User {id: $user_id})-[:KNOWS]-(b:User)
RETURN b