//# id=q56 expect=ok tags=rel_type_disjunction,var_length,rel_props
MATCH (p:Partner {id: $partner_id})-[r:MANAGES|RESELLS*1..2 {active: true}]->(t:Tenant)
RETURN t.id, size(r) AS hops