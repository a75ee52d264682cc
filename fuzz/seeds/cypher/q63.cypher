//# id=t05 expect=tmpl tags=hole_rel_type,unscoped
MATCH (a:User {id: $user_id})-[:{}]->(b) RETURN b