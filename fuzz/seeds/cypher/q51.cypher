//# id=q52 expect=ok tags=call_subquery,in_transactions,param_batch,on_error,neo4j5
UNWIND $rows AS row
CALL {
  WITH row
  MATCH (t:Tenant {id: $tenant_id})
  MERGE (r:Resource {id: row.id})-[:OWNED_BY]->(t)
} IN TRANSACTIONS OF $batch_size ROWS ON ERROR CONTINUE