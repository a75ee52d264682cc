//# id=q37 expect=ok tags=shortest_path,comma_patterns,unscoped
MATCH (a:User {id: $a}), (b:User {id: $b}),
      p = shortestPath((a)-[:KNOWS*..6]-(b))
RETURN p