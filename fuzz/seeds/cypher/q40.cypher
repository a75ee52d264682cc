//# id=q41 expect=ok tags=with_order_limit,map_literal,collect,partner
MATCH (p:Partner {id: $partner_id})-[:MANAGES]->(t:Tenant)
WITH p, t ORDER BY t.created_at DESC LIMIT 5
RETURN p.id AS partner, collect({id: t.id, name: t.name}) AS recent