//# id=q14 expect=ok tags=delete_rel,partner
MATCH (p:Partner {id: $partner_id})-[m:MANAGES]->(t:Tenant {id: $tenant_id})
DELETE m