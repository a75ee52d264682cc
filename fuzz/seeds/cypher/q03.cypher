//# id=q04 expect=ok tags=unscoped
MATCH (u:User {email: $email}) RETURN u