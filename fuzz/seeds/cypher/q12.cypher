//# id=q13 expect=ok tags=detach_delete
MATCH (t:Tenant {id: $tenant_id})<-[:BELONGS_TO]-(u:User {id: $user_id})
DETACH DELETE u