//# id=q07 expect=ok tags=var_length,path_var,partner
MATCH path = (p:Partner {id: $partner_id})-[:MANAGES*1..3]->(t:Tenant)
RETURN t.id, length(path) AS depth