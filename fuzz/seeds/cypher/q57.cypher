//# id=q58 expect=ok tags=label_predicate_in_where,unscoped
MATCH (n)
WHERE (n:Resource OR n:Document) AND n.owner_id = $user_id
RETURN n