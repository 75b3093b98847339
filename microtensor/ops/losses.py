"""(being written)"""
METHODS: dict = {}
FUNCTIONS: dict = {}
FUNCTIONAL: dict = {}
