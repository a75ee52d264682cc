//# id=e03 expect=err tags=missing_operand
MATCH (u:User) WHERE u.id = RETURN u