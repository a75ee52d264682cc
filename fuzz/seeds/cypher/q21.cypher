//# id=q22 expect=ok tags=call_subquery,in_transactions,detach_delete,unscoped,neo4j5
MATCH (a:AuditEvent)
WHERE a.created_at < datetime() - duration('P90D')
CALL {
  WITH a
  DETACH DELETE a
} IN TRANSACTIONS OF 1000 ROWS