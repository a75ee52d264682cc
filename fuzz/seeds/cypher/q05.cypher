//# id=q06 expect=ok tags=multi_label,function
MATCH (r:Resource:Billable {tenant_id: $tenant_id})
WHERE r.created_at >= datetime($since)
RETURN r