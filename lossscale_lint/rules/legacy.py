"""placeholder"""
RULES = ()
