//# id=q42 expect=ok tags=quantified_path,neo4j5
MATCH (p:Partner {id: $partner_id}) ((a:Partner)-[:RESELLS]->(b:Partner)){1,3} (q:Partner)
RETURN q.id