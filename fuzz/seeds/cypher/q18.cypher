//# id=q19 expect=ok tags=standalone_call
CALL db.labels() YIELD label RETURN label