package sqli

// Class describes a word of the keyword table. A word may carry several
// flags (REPLACE is a statement and a function; LEFT a join and a function).
type Class uint16

// The word classes.
const (
	// Reserved marks a keyword (as opposed to a function or catalog name).
	Reserved Class = 1 << iota
	// Func marks a built-in function name.
	Func
	// Statement marks a word that begins a statement: SELECT, INSERT, DROP, ...
	Statement
	// Logic marks the boolean operators AND, OR, XOR, NOT.
	Logic
	// WordOp marks word operators between two operands: LIKE, IN, IS,
	// BETWEEN, REGEXP, RLIKE, DIV, MOD, ILIKE, SIMILAR, SOUNDS, COLLATE, ESCAPE, GLOB, MATCH.
	WordOp
	// SetOp marks UNION, INTERSECT, EXCEPT, MINUS.
	SetOp
	// Clause marks words that start a clause of a query: FROM, WHERE, GROUP,
	// ORDER, HAVING, LIMIT, OFFSET, INTO, PROCEDURE, JOIN, ...
	Clause
	// Value marks keyword values: NULL, TRUE, FALSE, UNKNOWN, DEFAULT and
	// niladic functions written without parentheses (CURRENT_USER, ...).
	Value
	// Danger marks functions and procedures used almost only by attacks:
	// delays (SLEEP, BENCHMARK, PG_SLEEP, WAITFOR), error channels
	// (EXTRACTVALUE, UPDATEXML), file and command access (LOAD_FILE, XP_CMDSHELL, UTL_HTTP).
	Danger
	// Catalog marks system schema and table names: INFORMATION_SCHEMA,
	// SYSOBJECTS, PG_CATALOG, ALL_TABLES, DUAL, ...
	Catalog
	// Type marks data type names used by CAST, CONVERT and DECLARE.
	Type
)

// maxWord is the longest word in the table; longer words are never keywords.
const maxWord = 32

// Lookup returns the class of word (matched case-insensitively), or 0 when
// the word is not in the table.
func Lookup(word string) Class {
	if len(word) == 0 || len(word) > maxWord {
		return 0
	}
	// Most words of a value are no keyword: the shape table (length,
	// first and last byte, case folded) turns most of them away without
	// hashing.
	if wordShapes[len(word)][word[0]&31]&(1<<(word[len(word)-1]&31)) == 0 {
		return 0
	}
	var buf [maxWord]byte
	for i := 0; i < len(word); i++ {
		c := word[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return words[string(buf[:len(word)])]
}

const (
	kw   = Reserved
	stmt = Reserved | Statement
	cl   = Reserved | Clause
	fn   = Func
	dfn  = Func | Danger
	cat  = Catalog
	typ  = Reserved | Type
	val  = Reserved | Value
	wop  = Reserved | WordOp
)

// wordShapes[n][f] has bit l set when a word of the table has n bytes,
// a first byte f and a last byte l, each taken modulo 32 (which folds
// ASCII case).
var wordShapes = func() (t [maxWord + 1][32]uint32) {
	for w := range words {
		t[len(w)][w[0]&31] |= 1 << (w[len(w)-1] & 31)
	}
	return t
}()

// words is the one table of SQL words: keywords of the supported dialects
// and the built-in functions commonly seen in queries and attacks.
var words = map[string]Class{
	// statements
	"select": stmt, "insert": stmt, "update": stmt, "delete": stmt, "replace": stmt | fn,
	"drop": stmt, "create": stmt, "alter": stmt, "truncate": stmt | fn, "rename": stmt,
	"grant": stmt, "revoke": stmt, "exec": stmt, "execute": stmt, "declare": stmt,
	"set": stmt, "call": stmt, "merge": stmt, "upsert": stmt, "with": stmt, "shutdown": stmt,
	"waitfor": stmt | Danger, "load": stmt, "handler": stmt, "show": stmt, "describe": stmt,
	"desc": kw, "explain": stmt, "use": stmt, "begin": stmt, "commit": stmt, "rollback": stmt,
	"savepoint": stmt, "prepare": stmt, "deallocate": stmt, "lock": stmt, "unlock": stmt,
	"copy": stmt, "vacuum": stmt, "analyze": stmt, "attach": stmt, "detach": stmt,
	"pragma": stmt, "reindex": stmt, "backup": stmt, "restore": stmt, "dbcc": stmt,
	"bulk": stmt, "openrowset": Func | Danger, "opendatasource": Func | Danger, "kill": stmt,
	"do": stmt, "if": stmt | fn, "while": stmt, "print": stmt, "raiserror": stmt, "goto": stmt,
	"return": stmt, "open": stmt, "fetch": stmt, "close": stmt, "reconfigure": stmt,
	"comment": stmt, "listen": stmt, "notify": stmt, "discard": stmt, "checkpoint": stmt,
	"flush": stmt, "purge": stmt, "optimize": stmt, "repair": stmt, "install": stmt,

	// set operators
	"union": Reserved | SetOp, "intersect": Reserved | SetOp, "except": Reserved | SetOp,
	"minus": Reserved | SetOp,

	// clauses and query keywords
	"from": cl, "where": cl, "group": cl, "order": cl, "having": cl, "limit": cl,
	"offset": cl, "into": cl, "procedure": cl | stmt, "join": cl, "inner": cl, "outer": cl,
	"left": cl | fn, "right": cl | fn, "full": cl, "cross": cl, "natural": cl, "straight_join": cl,
	"on": kw, "using": kw, "by": kw, "values": cl, "value": kw, "returning": cl, "window": cl,
	"for": cl, "top": kw, "distinct": kw, "distinctrow": kw, "all": kw, "any": kw,
	"some": kw, "as": kw, "asc": kw, "case": kw, "when": kw, "then": kw, "else": kw,
	"end": kw, "elseif": kw, "table": kw, "database": kw | fn, "schema": kw | fn, "view": kw,
	"index": kw, "function": kw, "trigger": kw, "user": kw | fn, "column": kw, "columns": kw,
	"tables": kw, "databases": kw, "constraint": kw, "primary": kw, "key": kw, "foreign": kw,
	"references": kw, "unique": kw, "check": kw, "default": val, "exists": kw, "outfile": kw,
	"dumpfile": kw, "infile": kw, "data": kw, "local": kw, "delay": kw, "time": kw | typ,
	"interval": kw, "over": kw, "partition": kw, "rows": kw, "row": kw | fn, "only": kw,
	"first": kw, "next": kw, "nowait": kw, "share": kw, "mode": kw, "escape": wop,
	"collate": wop, "binary": kw | typ, "separator": kw, "temporary": kw, "temp": kw,
	"recursive": kw, "lateral": kw, "ignore": kw, "low_priority": kw,
	"high_priority": kw, "sql_calc_found_rows": kw, "sql_no_cache": kw, "sql_cache": kw,
	"duplicate": kw, "conflict": kw, "nothing": kw, "to": kw, "identified": kw,
	"password": kw | fn, "privileges": kw, "option": kw, "go": kw, "loop": kw, "repeat": kw | fn,
	"until": kw, "leave": kw, "iterate": kw, "elsif": kw, "out": kw, "inout": kw,
	"cursor": kw, "deterministic": kw, "language": kw, "returns": kw, "nocount": kw,
	"off": kw, "xml": kw, "path": kw, "raw": kw | typ, "auto": kw, "explicit": kw, "bit": typ,
	"lines": kw, "terminated": kw, "fields": kw, "enclosed": kw,
	"optionally": kw, "starting": kw, "at": kw, "zone": kw, "connect": kw, "prior": kw,
	"start": kw, "model": kw, "pivot": kw, "unpivot": kw, "sample": kw, "siblings": kw,
	"nulls": kw, "last": kw, "absolute": kw, "relative": kw, "scroll": kw, "cascade": kw,
	"restrict": kw, "analyse": kw | fn, "master": cat, "tempdb": cat, "msdb": cat,

	// logic and word operators
	"and": Reserved | Logic, "or": Reserved | Logic, "xor": Reserved | Logic, "not": Reserved | Logic,
	"like": wop, "ilike": wop, "in": wop, "is": wop, "between": wop, "regexp": wop, "rlike": wop,
	"similar": wop, "sounds": wop, "div": wop, "mod": wop | fn, "glob": wop | fn, "match": wop | fn,
	"against": kw, "member": wop,

	// values
	"null": val, "true": val, "false": val, "unknown": val, "current_user": val | fn,
	"current_date": val | fn, "current_time": val | fn, "current_timestamp": val | fn,
	"session_user": val | fn, "system_user": val | fn, "localtime": val | fn,
	"localtimestamp": val | fn, "current_schema": val | fn, "current_database": fn,
	"current_role": val | fn, "sysdate": val | fn, "systimestamp": val | fn, "rownum": val,
	"rowid": val, "level": val, "utc_date": val | fn, "utc_time": val | fn, "utc_timestamp": val | fn,

	// types
	"int": typ, "integer": typ, "smallint": typ, "tinyint": typ, "bigint": typ, "mediumint": typ,
	"decimal": typ, "numeric": typ, "float": typ, "double": typ, "real": typ, "char": typ | fn,
	"nchar": typ | fn, "varchar": typ, "nvarchar": typ, "varchar2": typ, "nvarchar2": typ,
	"text": typ, "ntext": typ, "blob": typ, "clob": typ, "date": typ | fn, "datetime": typ,
	"timestamp": typ | fn, "boolean": typ, "bool": typ, "signed": typ, "unsigned": typ,
	"varbinary": typ, "json": typ, "uuid": typ, "number": typ, "sysname": typ, "money": typ,
	"bytea": typ, "oid": typ, "regclass": typ, "character": typ, "varying": kw, "precision": kw,

	// functions
	"concat": fn, "concat_ws": fn, "group_concat": fn, "string_agg": fn, "listagg": fn,
	"array_agg": fn, "array_to_string": fn, "array_to_json": fn, "xmlagg": fn, "wm_concat": fn,
	"substring": fn, "substr": fn, "mid": fn, "length": fn, "len": fn,
	"char_length": fn, "character_length": fn, "octet_length": fn, "bit_length": fn,
	"ascii": fn, "ord": fn, "chr": fn, "unicode": fn, "hex": fn, "unhex": fn, "bin": fn,
	"oct": fn, "conv": fn, "lower": fn, "upper": fn, "lcase": fn, "ucase": fn, "trim": fn,
	"ltrim": fn, "rtrim": fn, "lpad": fn, "rpad": fn, "reverse": fn, "instr": fn, "locate": fn,
	"position": fn, "strpos": fn, "charindex": fn, "patindex": fn, "replicate": fn, "space": fn,
	"stuff": fn, "quotename": fn, "quote": fn, "elt": fn, "field": fn, "find_in_set": fn,
	"make_set": fn, "export_set": fn, "format": fn, "to_char": fn,
	"to_number": fn, "to_date": fn, "cast": fn, "convert": fn, "try_cast": fn, "coalesce": fn,
	"nullif": fn, "ifnull": fn, "isnull": fn, "nvl": fn, "nvl2": fn, "iif": fn, "decode": fn,
	"encode": fn, "greatest": fn, "least": fn, "count": fn, "sum": fn, "avg": fn, "min": fn,
	"max": fn, "abs": fn, "ceil": fn, "ceiling": fn, "floor": fn, "round": fn, "rand": fn,
	"random": fn, "randomblob": dfn, "sign": fn, "sqrt": fn, "power": fn, "pow": fn,
	"exp": fn, "ln": fn, "log": fn, "log10": fn, "log2": fn, "pi": fn, "sin": fn, "cos": fn,
	"tan": fn, "cot": fn, "asin": fn, "acos": fn, "atan": fn, "atan2": fn, "crc32": fn,
	"md5": fn, "sha": fn, "sha1": fn, "sha2": fn, "compress": fn, "uncompress": fn,
	"aes_encrypt": fn, "aes_decrypt": fn, "des_encrypt": fn, "des_decrypt": fn,
	"encrypt": fn, "old_password": fn, "from_base64": fn, "to_base64": fn, "base64": fn,
	"version": fn, "schema_name": fn, "db_name": fn,
	"user_name": fn, "suser_name": fn, "suser_sname": fn, "host_name": fn, "is_srvrolemember": fn,
	"is_member": fn, "has_dbaccess": fn, "object_id": fn, "object_name": fn, "col_name": fn,
	"type_name": fn, "serverproperty": fn, "db_id": fn, "connection_id": fn,
	"last_insert_id": fn, "found_rows": fn, "row_count": fn, "now": fn, "curdate": fn,
	"curtime": fn, "getdate": fn, "sysdatetime": fn, "date_format": fn, "str_to_date": fn,
	"datediff": fn, "dateadd": fn, "datepart": fn, "extract": fn, "year": fn, "month": fn,
	"day": fn, "hour": fn, "minute": fn, "second": fn, "unix_timestamp": fn,
	"from_unixtime": fn, "strftime": fn, "julianday": fn, "json_extract": fn,
	"json_keys": fn, "json_object": fn, "json_array": fn, "json_value": fn, "json_query": fn,
	"jsonb_build_object": fn, "row_to_json": fn, "to_json": fn, "xmltype": fn,
	"xmlelement": fn, "xmlserialize": fn, "query_to_xml": fn, "table_to_xml": fn,
	"database_to_xml": fn, "ctxsys": cat, "typeof": fn, "sqlite_version": fn,
	"changes": fn, "total_changes": fn, "zeroblob": fn, "printf": fn,
	"sys_context": fn, "userenv": fn, "banner": kw, "inet_server_addr": fn,
	"inet_server_port": fn, "inet_client_addr": fn, "pg_backend_pid": fn,
	"current_setting": fn, "set_config": fn, "pg_read_file": dfn, "pg_ls_dir": dfn,
	"pg_read_binary_file": dfn, "lo_import": dfn, "lo_export": dfn, "lo_get": dfn,
	"dblink": dfn, "dblink_connect": dfn, "generate_series": fn, "string_to_array": fn,
	"regexp_replace": fn, "regexp_substr": fn, "regexp_like": fn, "regexp_instr": fn,
	"soundex": fn, "difference": fn, "rawtohex": fn, "hextoraw": fn,
	"utl_raw": fn, "dbms_xmlgen": fn, "dbms_utility": fn, "nls_lower": fn,
	"isnumeric": fn, "newid": fn, "checksum": fn, "binary_checksum": fn, "hashbytes": fn,
	"fn_varbintohexstr": fn, "row_number": fn, "rank": fn, "dense_rank": fn,
	"ntile": fn, "lag": fn, "lead": fn, "first_value": fn, "last_value": fn, "geometrycollection": dfn,
	"polygon": fn, "multipoint": fn, "linestring": fn, "multilinestring": fn,
	"multipolygon": fn, "name_const": dfn, "procedure_analyse": dfn,

	// functions used almost only by attacks
	"sleep": dfn, "benchmark": dfn, "pg_sleep": dfn, "pg_sleep_for": dfn,
	"pg_sleep_until": dfn, "dbms_pipe": dfn, "dbms_lock": dfn, "receive_message": dfn,
	"extractvalue": dfn, "updatexml": dfn, "load_file": dfn, "xp_cmdshell": dfn,
	"xp_dirtree": dfn, "xp_fileexist": dfn, "xp_regread": dfn, "xp_servicecontrol": dfn,
	"sp_executesql": dfn, "sp_oacreate": dfn, "sp_oamethod": dfn, "sp_makewebtask": dfn,
	"sp_addlogin": dfn, "sp_addsrvrolemember": dfn, "sp_password": dfn, "sp_configure": dfn,
	"utl_http": dfn, "utl_inaddr": dfn, "utl_file": dfn, "httpuritype": dfn,
	"dbms_java": dfn, "dbms_scheduler": dfn, "dbms_xmlquery": dfn, "ordsys": dfn,
	"sys_eval": dfn, "sys_exec": dfn, "load_extension": dfn,
	"gtid_subset": dfn, "gtid_subtract": dfn, "exp_overflow": dfn, "st_latfromgeohash": dfn,
	"st_longfromgeohash": dfn, "st_pointfromgeohash": dfn,

	// catalogs and system objects
	"information_schema": cat, "mysql": cat, "performance_schema": cat, "sys": cat,
	"pg_catalog": cat, "pg_tables": cat, "pg_user": cat, "pg_shadow": cat, "pg_database": cat,
	"pg_class": cat, "pg_namespace": cat, "pg_roles": cat, "pg_proc": cat, "pg_stat_activity": cat,
	"sysobjects": cat, "syscolumns": cat, "sysusers": cat, "syslogins": cat, "sysdatabases": cat,
	"sysprocesses": cat, "sysservers": cat, "all_tables": cat,
	"all_tab_columns": cat, "all_users": cat, "user_tables": cat, "user_tab_columns": cat,
	"dba_users": cat, "dba_tables": cat, "v$version": cat, "v$database": cat, "v$instance": cat,
	"dual": cat, "sqlite_master": cat, "sqlite_schema": cat, "sqlite_temp_master": cat,
	"msysobjects": cat, "msysaccessobjects": cat, "msysqueries": cat, "msysrelationships": cat,
	"sysibm": cat, "syscat": cat, "rdb$database": cat, "schemata": cat, "table_name": cat,
	"column_name": cat, "table_schema": cat, "user_objects": cat,
}
