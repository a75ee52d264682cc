MATCH (t:Tenant {id: $tenant_id})
OPTIONAL MATCH (t)<-[:BELONGS_TO]-(u:User)
RETURN t.name AS tenant, count(u) AS users