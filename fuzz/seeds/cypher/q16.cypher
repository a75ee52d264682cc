//# id=q17 expect=ok tags=with,aggregate,order,limit,unscoped
MATCH (t:Tenant)<-[:BELONGS_TO]-(u:User)
WITH t, count(u) AS n
WHERE n > $threshold
RETURN t.id, n ORDER BY n DESC LIMIT 10