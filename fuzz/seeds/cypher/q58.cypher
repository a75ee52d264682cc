//# id=q59 expect=ok tags=element_id,unscoped
MATCH (a), (b)
WHERE elementId(a) = $from AND elementId(b) = $to
CREATE (a)-[:LINKED_TO {by: $user_id}]->(b)