//# id=q35 expect=ok tags=union_all
MATCH (a:AuditEvent {tenant_id: $tenant_id}) RETURN a.id AS id
UNION ALL
MATCH (a:ArchivedAuditEvent {tenant_id: $tenant_id}) RETURN a.id AS id