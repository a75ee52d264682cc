//# id=q11 expect=ok tags=create,rel_props,partner
MATCH (p:Partner {id: $partner_id})
CREATE (t:Tenant {id: $tenant_id, name: $name, plan: 'free'})
CREATE (p)-[:MANAGES {since: datetime()}]->(t)
RETURN t