//# id=e06 expect=err tags=unterminated_string
MATCH (u:User {name: 'unterminated}) RETURN u