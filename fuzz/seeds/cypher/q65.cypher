//# id=e01 expect=err tags=unclosed_paren
MATCH (u:User {id: $user_id} RETURN u