//# id=q29 expect=ok tags=case_simple
MATCH (t:Tenant {id: $tenant_id})
RETURN CASE t.plan WHEN 'free' THEN 1 WHEN 'pro' THEN 10 ELSE 100 END AS quota