//# id=q28 expect=ok tags=case_searched,is_null
MATCH (u:User)-[:BELONGS_TO]->(t:Tenant {id: $tenant_id})
RETURN u.id,
  CASE
    WHEN u.last_login IS NULL THEN 'never'
    WHEN u.last_login < datetime() - duration('P30D') THEN 'stale'
    ELSE 'active'
  END AS status