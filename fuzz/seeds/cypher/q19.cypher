//# id=q20 expect=ok tags=call_subquery,importing_with
MATCH (t:Tenant {id: $tenant_id})
CALL {
  WITH t
  MATCH (t)<-[:BELONGS_TO]-(u:User)
  RETURN count(u) AS user_count
}
RETURN t.name, user_count