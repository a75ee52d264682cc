//# id=q30 expect=ok tags=comments
// fetch all resources for the tenant
MATCH (t:Tenant {id: $tenant_id}) // scope first
MATCH (t)-[:OWNS]->(r:Resource) /* all kinds */
RETURN r.id