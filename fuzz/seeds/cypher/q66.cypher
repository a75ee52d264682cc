//# id=e02 expect=err tags=unclosed_bracket
MATCH (u:User)-[:BELONGS_TO->(t:Tenant) RETURN u