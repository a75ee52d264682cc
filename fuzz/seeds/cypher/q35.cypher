//# id=q36 expect=ok tags=create,chain,rel_props,audit
MATCH (u:User {id: $actor_id})-[:BELONGS_TO]->(t:Tenant {id: $tenant_id})
CREATE (e:AuditEvent {id: randomUUID(), action: $action, at: datetime()})
CREATE (u)-[:PERFORMED {ip: $ip}]->(e)-[:IN_TENANT]->(t)