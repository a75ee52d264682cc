//# id=e07 expect=err tags=bad_arrow
MATCH (u:User)<-[:BELONGS_TO]->>(t:Tenant) RETURN u
