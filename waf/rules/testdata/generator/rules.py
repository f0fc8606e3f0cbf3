import json, base64, sys

Q = "server.request.query"
B = "server.request.body"
P = "server.request.path_params"
C = "server.request.cookies"
H = "server.request.headers.no_cookies"
U = "server.request.uri.raw"
F = "server.request.body.filenames"
# gRPC request messages and GraphQL resolver arguments: read wherever the
# query, body and path parameters are (ARGS).
G = "grpc.server.request.message"
GQ = "graphql.server.all_resolvers"

def inp(addr, key_path=None, tr=None):
    d = {"address": addr}
    if key_path: d["key_path"] = key_path
    if tr is not None: d["transformers"] = tr
    return d

ARGS = [inp(Q), inp(B), inp(P), inp(G), inp(GQ)]
ARGS_C = ARGS + [inp(C)]
UA = [inp(H, ["user-agent"])]
REF = [inp(H, ["referer"])]
ALLH = [inp(H)]
def keys(addrs):
    return [inp(a, tr=["keys_only"]) for a in addrs]
URI_DEC = [inp(U, tr=["url_decode_iis", "url_decode_iis"])]

rules = []
def rule(id, name, typ, cat, conds, tr=None, conf=None, on_match=("block",), keepcase=False):
    tags = {"type": typ, "category": cat}
    tr = list(tr or [])
    if not keepcase:
        if "lowercase" not in tr:
            tr.append("lowercase")
        for c in conds:
            if c["operator"] == "match_regex":
                c["parameters"].setdefault("options", {})["case_sensitive"] = True
            for i in c["parameters"]["inputs"]:
                if "transformers" in i and "lowercase" not in i["transformers"]:
                    i["transformers"] = i["transformers"] + ["lowercase"]
    if conf is not None: tags["confidence"] = str(conf)
    rules.append({"id": id, "name": name, "tags": tags, "conditions": conds,
                  "transformers": tr or [], "on_match": list(on_match)})

def rx(inputs, regex, cs=False, minlen=None):
    opts = {}
    if cs: opts["case_sensitive"] = True
    if minlen: opts["min_length"] = minlen
    p = {"inputs": inputs, "regex": regex}
    if opts: p["options"] = opts
    return {"operator": "match_regex", "parameters": p}

def phrase(inputs, lst, wb=False):
    p = {"inputs": inputs, "list": lst}
    if wb: p["options"] = {"enforce_word_boundary": True}
    return {"operator": "phrase_match", "parameters": p}

import re
def re_escape(w):
    return re.sub(r"([.+*?()\[\]{}|^$\\-])", r"\\\1", w)

W = r"(?:\s|/\*[^*]*\*+(?:[^/*][^*]*\*+)*/|\(|\))"   # SQL whitespace incl. comments, parens
WS = W + "*"
SQ = r"""['"`\x{b4}\x{2019}]"""

SQL_IN = ARGS_C + URI_DEC + ALLH + keys([Q, B])
SQL_TR = ["url_decode_iis", "url_decode_iis", "remove_nulls"]

# ---------------------------------------------------------------- SQLi
rule("rp-sqli-001", "SQL boolean condition after a closed string literal", "sql_injection", "sqli",
  [rx(SQL_IN, SQ + WS + r"(?:\|\||&&|\b(?:or|and|xor|div|like|rlike|regexp|sounds\s+like|having|where)\b)" + WS +
      r"""(?:[!~+-]|\bnot\b|\bbinary\b)*""" + WS +
      r"""(?:['"`]?[\w.@]+['"`]?""" + WS + r"""(?:=|<|>|!=|\bis""" + W + r"""+(?:not""" + W + r"""+)?null\b|\blike\b|\bbetween\b|\bin""" + WS + r"""\(|\brlike\b|\bregexp\b|\bsounds\b)|['"`]""" + WS + r"""(?:=|<|>|!=)|\d+""" + WS + r"""(?:[=<>!]|$|--|#|/\*|;|\b(?:and|or)\b)|\b(?:true|false|null|not|exists|select|sleep|benchmark|pg_sleep|if|iif|case|ascii|char|chr|substr\w*|mid|ord|length|user|database|version|current_user|elt|make_set|extractvalue|updatexml)\b|@@?\w)""")],
  tr=SQL_TR)
rule("rp-sqli-002", "SQL comment or statement terminator right after a closed literal", "sql_injection", "sqli",
  [rx(SQL_IN, r"""(?:^|[=(/])[\w.@+-]*['"`]\)? ?(?:--\s*$|--\s|#\s*$|/\*|;--|;#)""")], tr=SQL_TR)
rule("rp-sqli-003", "SQL UNION SELECT", "sql_injection", "sqli",
  [rx(SQL_IN, r"\bunion" + W + r"*(?:(?:all|distinct)\b[\s\S]{0,60}?\bselect\b|select\b|\(" + WS + r"select\b)")], tr=SQL_TR)
rule("rp-sqli-004", "Stacked SQL statement", "sql_injection", "sqli",
  [rx(SQL_IN, r";" + WS + r"(?:(?:drop|truncate|alter|create)" + W + r"+(?:table|database|schema|user|procedure|function|view|index)\b|(?:delete" + W + r"+from|insert" + W + r"+into|update" + W + r"+\w+" + W + r"+set|select" + W + r"+(?:\*|\w+" + W + r"*(?:,|from|\())|exec(?:ute)?" + W + r"*(?:master\.|xp_|sp_|@|\(|'|\")|declare" + W + r"+@|waitfor" + W + r"+(?:delay|time)\b|shutdown" + WS + r"(?:$|[;#)]|--|/\*|with" + W + r"+nowait)|backup" + W + r"+(?:database|log)\b|(?:grant|revoke)" + W + r"+(?:\w+" + WS + r"," + WS + r")*\w+(?:" + W + r"+\w+)?" + W + r"+(?:on|to|from)" + W + r"|load_file|into" + W + r"+(?:out|dump)file))")], tr=SQL_TR)
rule("rp-sqli-005", "SQL time-based blind injection function", "sql_injection", "sqli",
  [rx(SQL_IN, r"\b(?:sleep|pg_sleep|benchmark|randomblob|dbms_pipe\.receive_message|dbms_lock\.sleep|sys\.dbms_\w+)" + WS + r"\(\s*(?:\d+(?:\.\d+)?\s*[),*+/-]|['\"(]|\d+\s*$)|\bwaitfor" + W + r"+(?:delay|time)\b")], tr=SQL_TR)
rule("rp-sqli-006", "SQL database fingerprinting and schema enumeration", "sql_injection", "sqli",
  [rx(SQL_IN, r"\b(?:information_schema\b|pg_catalog|pg_shadow|pg_user|sqlite_master|sqlite_schema|sysobjects|syscolumns|sysusers|msysaccessobjects|msysobjects|mysql\.user|all_tables|user_tables|all_tab_columns|dba_users|xp_cmdshell|xp_regread|xp_dirtree|sp_executesql|sp_oacreate|sp_configure|openrowset|opendatasource|utl_http|utl_inaddr|dbms_\w+\.\w+|load_file" + WS + r"\(|into" + W + r"+(?:out|dump)file|(?:version|database|current_user|session_user|system_user|user|schema|connection_id|last_insert_id|row_count)\s*\(\s*\)\s*(?:,|\)|$|=|--|#|;|from)|(?:extractvalue|updatexml|exp|geometrycollection|multipoint|polygon|linestring|json_keys|name_const|gtid_subset)" + WS + r"\(" + WS + r"(?:\d|0x|concat|select|\(|@))")], tr=SQL_TR)
rule("rp-sqli-010", "SQL server variable", "sql_injection", "sqli",
  [rx(SQL_IN, r"""@@(?:version|datadir|hostname|basedir|servername|global|session|identity|spid|language)\b""")], tr=SQL_TR)
rule("rp-sqli-011", "SQL comment closing an expression at the end of a value", "sql_injection", "sqli",
  [rx(SQL_IN, r"""(?:\)\)|\) \)|'\)|' \))(?:|  ?)(?:--|#)[\s-]*$""")], tr=SQL_TR)
rule("rp-sqli-012", "Arithmetic or comparison operator between string literals", "sql_injection", "sqli",
  [rx(SQL_IN, r"""' ?[-+*/%^&|=!~<>](?:\s[\w\s=<>!*+/%#-]{0,40}|[\d()=<>!*+/%#-][\d\s()=<>!*+/%#-]{0,40}|[a-z_]\w*\s[\w\s=<>!*+/%#-]{0,40})?'\w{0,10}\s*$|['"] ?(?:or|and|xor|div|is|not|like|regexp)[!~+-]['"(]?\w""")], tr=SQL_TR)
rule("rp-sqli-007", "SQL boolean tautology on numbers or identifiers", "sql_injection", "sqli",
  [rx(SQL_IN, r"""(?:^|[\s)'"`\d=])(?:or|and|xor|\|\||&&)""" + W + r"""+(?:not""" + W + r"""+)?[('"`]*(\w{1,20})[)'"`]*""" + WS + r"""(?:=|<=>|!=|<>|<|>|\blike\b|\bis\b""" + WS + r"""(?:not""" + WS + r""")?null)""" + WS + r"""[('"`]*\w{0,20}[)'"`]*""" + WS + r"""(?:$|--|#|/\*|;|\)|\b(?:and|or|limit|order|group|union)\b)""")], tr=SQL_TR)
rule("rp-sqli-008", "SQL injection starting with a number or closing parenthesis", "sql_injection", "sqli",
  [rx(SQL_IN, r"""^(?:[a-z_][\w.-]{0,30}=)?\s*[\w'"`-]*\d*\s*\)*""" + W + r"""*(?:\|\||&&|\b(?:or|and|xor|div|having|order""" + W + r"""+by|group""" + W + r"""+by|procedure""" + W + r"""+analyse|limit)\b)""" + WS + r"""(?:\d+""" + WS + r"""(?:--|#|/\*|;|=|<|>)|\(?""" + WS + r"""select\b|sleep\b|benchmark\b|if\s*\(|\w{3,}(?:/\*[^*]*\*/)*\(|\d+\s*[=<>]|null\b|true\b|false\b|@@[a-z_]|@[a-z_]\w*\s*(?:[:=<>)!;#]|--|$)|0x[0-9a-f]+)""")], tr=SQL_TR)
rule("rp-sqli-009", "SQL subquery or function call in a value", "sql_injection", "sqli",
  [rx(SQL_IN, r"""(?:^|['"`(=,;])""" + WS + r"""\(?""" + WS + r"""select""" + W + r"""+(?:[\w*@(),.'"`\s]{1,80}?""" + W + r"""+from""" + W + r"""+[\w.`\[\]"]+""" + WS + r"""(?:$|--|#|/\*|;|\)|\b(?:where""" + W + r"""+[\w.]+""" + WS + r"""[=<>]|where\s*$|limit|order""" + W + r"""+by|group""" + W + r"""+by|union|into|join)\b)|(?:null|\d+|@@\w+|char|concat|count|if|case|sleep|version|user|database|\*)\b)|\b(?:char|chr|concat(?:_ws)?|group_concat|ascii|ord|hex|unhex|substring|substr|mid|cast|convert|iif)\s*\(\s*(?:\d+\s*[,)+=<>]|0x|select\b|@@|\(|(?:user|version|database)\s*\(|['"`][^'"`]{0,40}['"`]\s*,\s*(?:\d|select|0x|@@|\w+\s*\())""")], tr=SQL_TR)

# Function names that are SQL and nothing else may be followed by spaces and
# comments before the parenthesis; names that are also words or common in
# other languages (char, convert, database) only directly or through a
# comment, the way injected SQL writes them.
SQL_FUNCS_STRONG = "benchmark pg_sleep concat_ws group_concat coalesce ifnull nullif extractvalue updatexml make_set name_const unhex xmltype find_in_set json_build_object jsonb_[a-z_]+ json_[a-z_]+ unistr current_user session_user system_user schema_name db_name user_name substring_index load_file utl_[a-z_]+ dbms_[a-z_]+ sys_context object_id col_name lo_get lo_import lo_export pg_read_file pg_ls_dir randomblob procedure\\s+analyse".split()
SQL_FUNCS_WORDS = "concat isnull nvl hex substr substring mid database char chr nchar ascii ord md5 elt instr lpad rpad rtrim ltrim convert cast compress uncompress sleep".split()
SQL_FN_PRE = r"""(?:^|[\s'"`(),;=+*/|&!<>@#{}\[\]%^~])"""
rule("rp-sqli-013", "SQL function call", "sql_injection", "sqli",
  [rx(SQL_IN, SQL_FN_PRE + r"""(?:(?:""" + "|".join(SQL_FUNCS_STRONG) + r""")""" + WS + r"""|(?:""" + "|".join(SQL_FUNCS_WORDS) + r""")(?:/\*[^*]*\*+(?:[^/*][^*]*\*+)*/)*)\(""")], tr=SQL_TR)
rule("rp-sqli-014", "PostgreSQL cast or JSON operator, SQL alias, variable or long IN list", "sql_injection", "sqli",
  [rx(SQL_IN, r"""[\w'")\]]::\s*(?:jsonb?|int[248]?|integer|text|bigint|smallint|numeric|double\s+precision|varchar|bool(?:ean)?|regclass|oid|bytea|float[48]?|real|inet|uuid|xml)\b|['"]\s*(?:<@|@>|\?\||\?&|#>>?)\s*['"]|(?:\)|[`'"])\s*as\s+[`'"]?\w+[`'"]?\s+from\b|\d\s+as\s*["'`]\w*["'`]?\s+from\b|\bselect""" + W + r"""+group_concat\b|(?:^|[;>])\s*set\s+@@?(?:\w+\s*:?=|[a-z]+_\w)|\bdeclare\s+@\w|\bexec\s*\(\s*@|\bin\s*\(\s*\d+(?:\s*,\s*\d+){7,}|\blike\s+null\b|\bdiv\s*\(\s*\d+\s*,""")], tr=SQL_TR)

rule("rp-sqli-020", "SQL injection: the value breaks out of a literal into SQL (grammar)", "sql_injection", "sqli",
  [{"operator": "is_sqli", "parameters": {"inputs": SQL_IN}}], tr=["url_decode_iis", "url_decode_iis", "remove_nulls"])

# ---------------------------------------------------------------- XSS
XSS_IN = ARGS_C + URI_DEC + ALLH + keys([Q, B, C])
XSS_TR = ["url_decode_iis", "remove_nulls", "html_entity_decode", "js_decode"]
EVENTS = r"on(?:abort|activate|after\w*|animation\w*|auxclick|before\w*|begin|blur|bounce|canplay\w*|cellchange|change|click|close|contextmenu|copy|cuechange|cut|dataavailable|datasetchanged|dblclick|drag\w*|drop|durationchange|emptied|end|ended|error|errorupdate|filterchange|finish|focus\w*|formdata|fullscreen\w*|hashchange|help|input|invalid|key\w+|layoutcomplete|load\w*|lose\w*|message|mouse\w+|move\w*|offline|online|page\w+|paste|pause|play\w*|pointer\w+|popstate|progress|propertychange|ratechange|readystatechange|repeat|reset|resize\w*|resume|reverse|row\w+|scroll\w*|search|seek\w+|select\w*|show|stalled|start|stop|storage|submit|suspend|timeout|timeupdate|toggle|touch\w+|transition\w*|unhandledrejection|unload|urlchange|volumechange|waiting|wheel|zoom)"
rule("rp-xss-001", "HTML script, frame or plugin tag", "xss", "xss",
  [rx(XSS_IN, r"<\s*/?\s*(?:[a-z]\w{0,10}:)?(?:script|iframe|frame|frameset|object|embed|applet|svg|math|base|meta|isindex|xml|xss|import|vmlframe|bgsound|layer|ilayer|marquee|handler|listener|template)\b|<\s*(?:link|style)\b[^>]*(?:href|@import|expression|javascript|behavior)")], tr=XSS_TR)
rule("rp-xss-002", "HTML tag with an event handler attribute", "xss", "xss",
  [rx(XSS_IN, r"<[a-z!?/][^>]*?[\s\"'`/;]" + EVENTS + r"\s*=|<[^>]*\bstyle\s*=[^>]*(?:expression\s*\(|javascript:|behavior\s*:|-moz-binding)")], tr=XSS_TR)
rule("rp-xss-003", "Event handler attribute injected after a closed attribute", "xss", "xss",
  [rx(XSS_IN, r"""['"`][\s/]*""" + EVENTS + r"""\s*=|^\s*""" + EVENTS + r"""\s*=\s*['"]?\s*[\w.]+\s*\(""")], tr=XSS_TR)
rule("rp-xss-004", "Script URL scheme", "xss", "xss",
  [rx(XSS_IN, r"""\burl\s*\(\s*['"]?\s*(?:java|vb|live)script\b|(?:java|vb|live)script\s*:\s*(?:[^\s\w]|\w+\s*[(`=.\[:;]|\w+\s*$|$)|data\s*:\s*(?:text/html|text/xml|image/svg|application/(?:x-)?(?:javascript|xhtml|ecmascript))|(?:href|src|action|formaction|data|xlink:href|background|dynsrc|lowsrc|poster|code|codebase)\s*=\s*['"`]?\s*(?:javascript|vbscript|data|livescript|mocha)\s*:""")], tr=XSS_TR)
rule("rp-xss-005", "JavaScript execution sink or cookie access", "xss", "xss",
  [rx(XSS_IN, r"""\b(?:alert|prompt|confirm|eval|settimeout|setinterval|execscript|msgbox)\s*(?:\(|`|&#)|\bdocument\s*\.\s*(?:cookie|domain|write|location)|(?:^|[^\w.-]|(?:^|[^\w.])-)window\s*\.\s*(?:location|open\s*\(|name(?:$|[^\w./:]))|\bstring\s*\.\s*fromcharcode|\.innerhtml\s*=|\blocation\s*(?:\.\s*href)?\s*=\s*['"`]?\s*(?:javascript|http|//)|\bfetch\s*\(\s*['"`]?(?:https?:)?//|\b(?:top|self|this)(?:\[|\s*\[\s*['"`(])""")], tr=XSS_TR)
rule("rp-xss-006", "HTML injection breaking out of an attribute or tag", "xss", "xss",
  [rx(XSS_IN, r"""</\s*(?:title|textarea|style|noscript|script|xmp|iframe|noembed|noframes|plaintext)\s*>|^\s*--!?>\s*(?:$|<)|<\s*(?:img|image|input|body|video|audio|source|details|form|button|a|div|body|table|td|object|p|span|svg)\b[^>]*?\b(?:src|href|action|formaction|background|data)\s*=\s*['"`]?\s*(?:javascript|vbscript|data|#)\s*:?""")], tr=XSS_TR)

rule("rp-xss-020", "XSS: markup or script that a browser would run (HTML/JS grammar)", "xss", "xss",
  [{"operator": "is_xss", "parameters": {"inputs": XSS_IN}}], tr=["url_decode_iis", "remove_nulls"])

# ---------------------------------------------------------------- LFI / RFI
LFI_IN = ARGS_C + URI_DEC + ALLH + [inp(F)]
LFI_TR = ["url_decode_iis", "remove_nulls"]
rule("rp-lfi-001", "Path traversal sequence", "lfi", "lfi",
  [rx(LFI_IN, r"""\.\.[\\/]+(?:\.{0,2}[\\/]*)*(?:\.\.[\\/]|[\w.-]+[\\/]+\.\.)|\.\.[\\/;]+(?:etc|proc|windows|winnt|boot|usr|var|root|home|tmp|dev|sys|bin|opt|web-inf|meta-inf|[a-z]:)|\.\.(?:%c0%af|%c1%9c|%c0%5c|%u2215|%u2216|%uefc8|%uf025|\x{2215}|\x{2216}|%25(?:2f|5c)|0x2f|0x5c|\x{fffd})|[\\/]\.\.[\\/;]*$|^[\w.-]*(?:[\\/][\w.-]+)*[\\/]\.\.[\\/]""")], tr=LFI_TR)
# An uploaded file whose name climbs out of the upload directory (zip-slip
# style); in other values a single "../" is left to the file sink's check,
# which sees where the path lands.
rule("rp-lfi-009", "Uploaded file name with a parent-directory step", "lfi", "lfi",
  [rx([inp(F, tr=["url_decode_iis"])], r"""(?:^|[\\/])\.\.[\\/]""", cs=True)], keepcase=True)
rule("rp-lfi-005", "Encoded, double-encoded or overlong path traversal sequence", "lfi", "lfi",
  [rx(ARGS_C + ALLH + [inp(F), inp(U)], r"""(?:\x{ff0e}|%u002e|%uff0e|%c0%ae|%e0%80%ae|%c0%2e|0x2e|%2e){2}|(?:%c0%af|%c1%9c|%c0%5c|0x2f|0x5c|%u2215|%u2216|%bg%qf|%2%f|%5%c|%25c0%25af)(?:\.|\x{fffd}|%c0%ae|%2e|0x2e)|(?:%2%[ef]|%5%c|%%3[25]%%6[356cef]|%25%3[25]%25%6[356cef]|%25(?:2f|5c|2e)|0x(?:2f|5c))(?:[^&]{0,24}?)(?:etc|windows|winnt|boot\.ini|passwd|issue|system32|proc|win\.ini)|(?:\.|%2e|%2%e|%25%32%25%65|%%32%%65){2}(?:%5%c|%2%f|%%32%%66|%%35%%63|%25%35%25%63|%25%32%25%66|0x2f|0x5c)""")], tr=["remove_nulls"])
SEP = r"""(?:[\\/]+|\x{fffd}+|%[0-9a-z]{1,2}(?:%[0-9a-z]{0,2})?|0x(?:2f|5c)|%u22(?:15|16)|\x{2215}|\x{2216})"""
PRE_F = r"""(?:^|[\\/=:'"\s\x{fffd}>]|%[0-9a-z]{2}|0x(?:2f|5c)|file:|\.\.)"""
PRE_F_NOSPACE = r"""(?:^|[=:'"\x{fffd}>]|%[0-9a-z]{2}|0x(?:2f|5c)|file:|\.\.|[^\s\\/][\\/])"""
LFI2_BODY = r"""[\\/]*(?:etc""" + SEP + r"""(?:passwd|shadow|group|gshadow|hosts|issue|motd|hostname|sudoers|crontab|fstab|mtab|profile|bashrc|environment|resolv\.conf|os-release|lsb-release|redhat-release|security|httpd|apache2?|nginx|mysql|php\d*|ssh|ssl|init\.d|rc\.d|cron\w*|network|pam\.d|inetd\.conf|master\.passwd|ld\.so|modules|aliases|exports|knockd|vsftpd|proftpd|samba|syslog|sub[ug]id|\.?htpasswd)|proc""" + SEP + r"""(?:self|\d+|thread-self|version|cpuinfo|meminfo|mounts|net|sched_debug|kcore|partitions|config\.gz|interrupts|kallsyms|modules|devices|filesystems|cmdline|environ|stat|uptime|loadavg|swaps|vmstat|zoneinfo|iomem|ioports|diskstats|sys)|sys""" + SEP + r"""(?:class|kernel|block|devices|firmware|module|power|bus|fs|hypervisor)\b|var""" + SEP + r"""(?:log""" + SEP + r"""(?:[\w.-]+""" + SEP + r"""|[\w.-]*log\b|[\w.-]*\.(?:gz|xz|zst|bz2|z|old|\d+)\b|(?:syslog|messages|secure|wtmp|btmp|utmp|lastlog|faillog|dmesg|cron|maillog|debug|daemon|kern|boot|audit|xferlog)\b)|(?:log|mail)""" + SEP + r"""?$|mail""" + SEP + r"""[a-z][\w-]*(?:$|[\s'"&;%])|adm|lib""" + SEP + r"""mysql|run""" + SEP + r"""secrets|www""" + SEP + r"""[\w./-]*\.(?:log|conf|ini|env|php|inc|ya?ml))|usr""" + SEP + r"""local""" + SEP + r"""(?:apache|etc|lib""" + SEP + r"""php|nginx|cpanel)|root""" + SEP + r"""\.|home""" + SEP + r"""[\w.-]+""" + SEP + r"""\.(?:ssh|bash|aws|profile|gnupg|config|docker|kube))"""
# A path preceded by a space is a sentence's when the sentence goes on
# after it ("edit /etc/hosts to add the entry"): there it counts at the end
# of the value or before a shell or markup delimiter.
rule("rp-lfi-002", "Access to a sensitive Unix file", "lfi", "lfi",
  [rx(LFI_IN, PRE_F_NOSPACE + LFI2_BODY + r"""|\s""" + LFI2_BODY + r"""[^\s]*(?:\s*$|\s*[;&|<>'"`)\]])""")], tr=LFI_TR)
rule("rp-lfi-006", "Access to a credential or dotfile", "lfi", "lfi",
  [rx(LFI_IN, r"""\.ssh[\\/](?:id_\w+|authorized_keys|known_hosts)|\.aws[\\/](?:credentials|config)|\.(?:bash|zsh|mysql|psql|sh|python|node_repl|lesshst|viminfo|rediscli)_?history|\.(?:htpasswd|htaccess|netrc|pgpass|git-credentials|npmrc|pypirc|dockercfg|kube[\\/]config|docker[\\/](?:config|secrets))|\.git[\\/](?:config|head|index|logs|refs)|\.env(?:\.\w+)?$|(?:^|[\\/])\.(?:env|history|profile|bashrc)\b""")], tr=LFI_TR)
# Configuration files named in a sentence ("the php.ini file says", "my
# wp-config.php has the keys") are prose; glued to a path, a parameter or
# a quote, or ending the value, they count.
LFI7_NAMES = r"""(?:boot\.ini|win\.ini|system\.ini|autoexec\.bat|config\.sys|php\.ini|my\.cnf|my\.ini|httpd\.conf|apache2\.conf|nginx\.conf|wp-config\.php|config\.inc\.php|localsettings\.php|configuration\.php|settings\.php|database\.yml|applicationhost\.config|ntds\.dit|unattend\.xml|sysprep\.inf|backup\.sql|dump\.sql)"""
rule("rp-lfi-007", "Access to a sensitive Windows or application file", "lfi", "lfi",
  [rx(LFI_IN, r"""web-inf""" + SEP + r"""|meta-inf""" + SEP + r"""|(?:windows|winnt)""" + SEP + r"""(?:system32|win\.ini|repair|panther|php\.ini|system\.ini|system)|system32""" + SEP + r"""|inetpub""" + SEP + r"""|[^\s=&?]""" + LFI7_NAMES + r"""|(?:^|[\s=&?])""" + LFI7_NAMES + r"""(?:\s*$|\s*[;&|<>'"`)\]])|(?:config|repair)[\\/]+sam$|(?:debug|error|access|errors)\.log$|\.sql\.(?:gz|zip|bz2)$""")], tr=LFI_TR)
rule("rp-lfi-003", "PHP or archive wrapper stream", "lfi", "lfi",
  [rx(LFI_IN, r"""\b(?:php://(?:filter|input|stdin|stdout|stderr|memory|temp|fd|output)|(?:zip|phar|expect|glob|ogg|rar|zlib|compress\.zlib|compress\.bzip2|data|ssh2\.\w+)://|data:(?:text|application)/[\w+-]+;base64,|file:/+[\w%]|convert\.(?:base64|iconv|quoted)|string\.(?:rot13|toupper|tolower))""")], tr=LFI_TR)
rule("rp-lfi-004", "Remote file inclusion URL", "rfi", "lfi",
  [rx(ARGS_C, r"""^\s*(?:https?|ftps?|smb|\\\\)[:/\\]+[^\s?#]*?(?:\?+$|[\w/.-]*\.(?:php\d?|txt|inc|phtml|sh|pl|py|jsp|asp)\?+(?:$|[&=]))|^\s*(?:https?|ftps?)://(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?/[^\s]*\.(?:php\d?|txt|inc|sh|pl|py|jsp|asp|aspx|cgi)\b""")], tr=LFI_TR)

# ---------------------------------------------------------------- RCE (shell)
RCE_IN = ARGS_C + URI_DEC + ALLH + keys([Q, B, C])
RCE_TR = ["url_decode_iis", "remove_nulls"]
# shell_unescape turns ';' and ',' into spaces, so the command rules also read
# the values with only decoding and lowercasing, where the separators survive.
RCE_RAW = [inp(a, tr=RCE_TR + ["lowercase"]) for a in (Q, B, P, G, GQ, C)] + [inp(H, tr=RCE_TR + ["lowercase"])]
STRONG_L = "htop aptitude c89 c99 clang fold bridge ansible ansible-vault ansible-playbook chef-run puppet terraform helm ssh-keygen gpg 7za cpio unrar zstd uuencode uudecode iconv lftp ncftp smbclient rpcclient showmount ldapsearch snmpwalk whois arping tcpdump tshark nping hping3 sqlmap nikto crackmapexec mimikatz psexec dmesg journalctl lastlog getfacl setfacl chroot unshare nsenter capsh setcap getcap pkexec visudo sudoedit shred truncate fallocate mknod mkfifo losetup umount fdisk mkfs rbash fish ash deno jjs rhino ionice renice runuser systemd-run hostid lscpu lsblk lsmod insmod modprobe rmmod dpkg-query ldd objdump readelf ltrace wget2 aria2c axel ftp whoami uname ifconfig ipconfig netstat nslookup wget curl ncat netcat nc bash zsh ksh csh tcsh dash sh telnet xterm python perl ruby php lua nodejs powershell pwsh cmd certutil bitsadmin mshta rundll32 regsvr32 wmic cscript wscript passwd useradd usermod adduser chmod chown chgrp crontab nohup setsid socat tftp scp rsync sshpass xxd openssl gcc busybox systemctl sudo printenv pwd ls cat tac grep egrep fgrep xargs ping traceroute killall pkill ps uptime lsof rm rmdir mkdir unzip gunzip bzip2 hostname getent net1 tasklist taskkill systeminfo iptables jrunscript jshell irb strace gdb vi vim nano hexdump readlink sqlite3 redis-cli ssh nmap msfconsole msfvenom awk gawk sed id echo sleep env nl wc dig chattr flock sysctl lsattr rev expect tclsh wish screen tmux sendmail php-cgi cscli sysinfo lastlogin ssh-copy-id userdel bcdboot bsdtar cpulimit uconv rmt netsh regedit ansible-doc ansible-galaxy ansible-inventory ansible-pull ansible-console ansible-config chef-client chef-shell chef-vault".split()
WEAK_L = "nm xz nl base64 find more less head tail kill host top who last mount free touch file sort time yes cut which whereis export source alias make service init route ip ss su reg sc net cp mv ln tar zip gzip 7z du df dd od tr tee diff stat strings node java javac apt apt-get yum dnf rpm dpkg pip npm gem docker kubectl git svn mysql psql mongo go timeout set nice watch shutdown reboot halt exec eval unset printf seq bc expr basename dirname realpath script batch locate uniq paste cmp look man info finger wall write logger base32 zcat zgrep bzcat xzcat view ed ex pico emacs jq mail dir ver del type".split()
PRE = r"""(?:[;&|\n\r]|\$\(\s*`?|<\(|>\(|\$\{ifs\})\s*(?:\$[a-z_]\w{0,8}\s+)?['"\\]*(?:/?(?:usr/)?(?:local/)?s?bin/)?['"\\]*"""
STRONG_END = r"""[\d.]*['"\\]*(?:$|[\s>;&|`)}]|<\s*[\w/.~$'"]|\\[nrt]|\$\{?ifs|\$\d|\$@|\+)"""
WEAK_END = r"""[\d.]*['"\\]*(?:\s+|\$\{?ifs\}?|\x{2c}|<)+(?:-{1,2}\w|/|\.{1,2}/|~|\$|\*|\w+(?:/|\.\w{1,4}\b)|[a-z]:[\\/]?)"""
# Commands that are also English words ("; echo that to facilities", "Thanks;
# id card attached"): after the name comes the end of the value, a shell
# operator, or an argument that does not continue as a sentence.
ENGLISH_L = "echo id ps cat sleep dig rev expect wish screen fold bridge fish ash shred truncate flock perf ping cmd bash dash python ruby perl helm puppet terraform rhino axel nano tac wc lua deno".split()
STRONG_L = [c for c in STRONG_L if c not in ENGLISH_L]
ENGLISH_END = r"""['"\\]*(?:\s*$|[<>;&|`)}]|\\[nrt]|\$\{?ifs|\$\d|\$@|\+|\s+(?:[^\sa-z]|[a-z][\w.-]*(?:\s*$|\s*[;&|<>`)]|\s+[^\sa-z(]|[/$=])))"""
# A line of multi-line text that starts with such a word ("\n\nsleep mask",
# "\necho dot 5th gen") is prose unless an argument no sentence has follows:
# after a line break the word needs an option, a path, a number, a variable
# or an operator, or to end the value.
PRE_OP = PRE.replace("[;&|\\n\\r]", "[;&|]", 1)
PRE_NL = PRE.replace("(?:[;&|\\n\\r]|\\$\\(\\s*`?|<\\(|>\\(|\\$\\{ifs\\})", "[\\n\\r]", 1)
assert PRE_OP != PRE and PRE_NL != PRE, (PRE_OP, PRE_NL)
ENGLISH_LINE_END = r"""['"\\]*(?:\s*$|[<>;&|`)}]|\\[nrt]|\$\{?ifs|\$\d|\$@|\+|\s+[^\sa-z])"""
def chunks(l, n):
    return [l[i:i + n] for i in range(0, len(l), n)]
n = 0
CHUNKS = {}
for part in chunks(STRONG_L, 56):
    n += 1
    CHUNKS["rp-rce-00%d" % n] = part
    rule("rp-rce-00%d" % n, "Unix command after a shell control operator (%d)" % n, "command_injection", "rce",
      [rx(RCE_IN + RCE_RAW, PRE + "(?:" + "|".join(map(re_escape, part)) + ")" + STRONG_END)], tr=RCE_TR + ["shell_unescape"])
for part in chunks(WEAK_L, 60):
    n += 1
    CHUNKS["rp-rce-00%d" % n] = part
    rule("rp-rce-00%d" % n, "Unix command with arguments after a shell control operator (%d)" % n, "command_injection", "rce",
      [rx(RCE_IN + RCE_RAW, PRE + "(?:" + "|".join(map(re_escape, part)) + ")" + WEAK_END)], tr=RCE_TR + ["shell_unescape"])
CHUNKS["rp-rce-023"] = ENGLISH_L
rule("rp-rce-023", "Unix command that is also an English word, after a shell control operator", "command_injection", "rce",
  [rx(RCE_IN + RCE_RAW, PRE_OP + "(?:" + "|".join(map(re_escape, ENGLISH_L)) + ")" + ENGLISH_END + "|" + PRE_NL + "(?:" + "|".join(map(re_escape, ENGLISH_L)) + ")" + ENGLISH_LINE_END)], tr=RCE_TR + ["shell_unescape"])
rule("rp-rce-010", "Reconnaissance command as the whole value", "command_injection", "rce",
  [rx(ARGS_C + URI_DEC, r"""^\s*(?:/?(?:usr/)?(?:local/)?s?bin/)?(?:whoami|uname\s+-a|ifconfig|ipconfig(?:\s+/all)?|netstat\s+-\w+|cat\s+/etc/\w+)\s*$""")], tr=RCE_TR)
# A backtick span glued to a word, or one that no sentence continues: a
# Markdown code span in a ticket ("`ls -la ~/.config` shows nothing") is
# followed by prose, and a fence ("```sh") opens with three backticks.
rule("rp-rce-011", "Command substitution with backticks", "command_injection", "rce",
  [rx(RCE_IN, r"""[^\s+=&?`]`\s*(?:/?(?:usr/)?(?:local/)?s?bin/)?(?:whoami|uname|id|ifconfig|ipconfig|cat\s+/|ls\s+[/-]|wget\s|curl\s|nc\s|bash\s|sh\s|sleep\s+\d|ping\s+(?:-|\d+\.|[a-z][\w-]*\.[a-z]+)|echo\s|nslookup\s|dig\s|pwd|hostname|printenv|env)\b[^`]*`|(?:^|[^`]|[^`]`)`\s*(?:/?(?:usr/)?(?:local/)?s?bin/)?(?:whoami|uname|id|ifconfig|ipconfig|cat\s+/|ls\s+[/-]|wget\s|curl\s|nc\s|bash\s|sh\s|sleep\s+\d|ping\s+(?:-|\d+\.|[a-z][\w-]*\.[a-z]+)|echo\s|nslookup\s|dig\s|pwd|hostname|printenv|env)\b[^`]*`(?:$|[^\s+a-z]|[\s+]+[^\s+a-z])""")], tr=RCE_TR + ["shell_unescape"])
rule("rp-rce-012", "Shell substitution, IFS evasion or brace expansion", "command_injection", "rce",
  [rx(RCE_IN, r"""\$\{?ifs\b|\{[\w/.-]+,[-/$][^}]*\}|\$\(\s*(?:[\w/.$'"\\-]*[a-z][\w/.$'"\\-]+|[\w/.$'"\\-]+[a-z])(?:\s[^)]*)?\)(?:$|[^.]|\.[^a-z])|`[^`]*\$\{[^}]*(?:##|%%|:\d+:\d+|//)[^}]*\}""")], tr=RCE_TR)
rule("rp-rce-013", "Path to a Unix binary or a shell device", "command_injection", "rce",
  [rx(RCE_IN, r"""/(?:usr/)?(?:local/)?s?bin/(?:[\w-]*[?*][\w?*-]*|sh|bash|zsh|dash|ksh|csh|wget|curl|nc|ncat|netcat|python[\d.]*|perl|ruby|php|cat|id|whoami|uname|ping|busybox|socat|telnet|chmod|rm)(?:$|[\s;&|<>'"`)])|/dev/(?:tcp|udp)/""")], tr=RCE_TR)
rule("rp-rce-019", "Globbed path to a Unix binary or file", "command_injection", "rce",
  [rx(RCE_IN, r"""/\?[?*a-z]*/[?*a-z]*[?*]""")], tr=RCE_TR)
rule("rp-rce-014", "Reverse shell or download-and-execute pattern", "command_injection", "rce",
  [rx(RCE_IN, r"""\b(?:nc|ncat|netcat|socat)\b[^\n]{0,40}?\s-(?:[a-z]*e|c)\b|\b(?:bash|sh)\s+-i\b|\b(?:wget|curl)\b[^\n|;]{0,120}[|;]\s*(?:ba)?sh\b|\b(?:wget|curl)\s+[^\s]*(?:https?|ftp)://|\bmkfifo\b|\bexec\s+\d*<>|>&\s*/dev/|\bpython[23]?\s+-c\b|\bperl\s+-e\b|\bruby\s+-e\b|\bphp\s+-r\b|\blua\s+-e\b|\bnode\s+-e\b|\bsocket\.socket\(|\bpty\.spawn\(""")], tr=RCE_TR + ["shell_unescape"])
rule("rp-rce-015", "Shellshock function definition", "command_injection", "rce",
  [rx(RCE_IN + ALLH, r"""\(\)\s*\{[^}]*;\s*\}\s*;""")], tr=RCE_TR)
rule("rp-rce-016", "Windows shell invocation", "command_injection", "rce",
  [rx(RCE_IN, r"""\bcmd(?:\.exe)?\s*/[ckr]\b|\bpowershell(?:\.exe)?\b[^\n]{0,40}?(?:-(?:enc|e|c|command|nop|noprofile|w|windowstyle|exec|executionpolicy|ep)\b|iex\b|invoke-)|\b(?:invoke-(?:expression|webrequest|command|item|mimikatz|shellcode)|downloadstring|iex\s*\(|downloadfile|new-object\s+(?:net\.webclient|system\.net)|start-process|get-process|get-childitem|set-executionpolicy)\b|\b(?:certutil|bitsadmin)(?:\.exe)?\b[^\n]{0,40}-(?:urlcache|decode|transfer|encode|split)""")], tr=RCE_TR)
rule("rp-rce-017", "Windows batch control flow", "command_injection", "rce",
  [rx(RCE_IN, r"""\bfor\s+/[fdlr]\b[^\n]*\bin\s*\(|\bfor\s+%%?\S\s+in\s*\(|\bif\s+(?:/i\s+)?(?:not\s+)?(?:exist|defined|errorlevel|cmdextversion)\b|\bif\s+/i\b|\bfor\s+%%?\w+\s+in\s*\(|\bif\s+\(?[\w%"]+\)?\s*(?:==|equ|neq|lss|leq|gtr|geq)\s""")], tr=RCE_TR)
rule("rp-rce-018", "Windows system command", "command_injection", "rce",
  [rx(RCE_IN, r"""\b(?:net(?:1|\.exe)?\s+(?:user|localgroup|group|share|use|view|start|stop)\b|reg(?:\.exe)?\s+(?:add|query|delete|save)|sc(?:\.exe)?\s+(?:create|config|start|query)|wmic(?:\.exe)?\s+\w|(?:rundll32|regsvr32|mshta|cscript|wscript)(?:\.exe)?\s)|%(?:comspec|systemroot|systemdrive|windir|programfiles|programdata|userprofile|allusersprofile|temp|tmp|appdata|localappdata|computername|username|homepath|homedrive|path|public)%|;\s*(?:dir|type|del|copy|move|ren|echo|start|call)\s+(?:[%\\"/]|[a-z]:|[\w-]+\.[a-z]{2,4}\b)|;\s*set\s+\w+=""")], tr=RCE_TR)

# ---------------------------------------------------------------- RCE (code)
PHP_FUNCS = "system exec shell_exec passthru popen proc_open pcntl_exec phpinfo assert create_function call_user_func call_user_func_array preg_replace str_rot13 gzinflate gzuncompress gzdecode base64_decode file_get_contents file_put_contents fwrite fopen readfile highlight_file show_source include include_once require require_once unserialize var_dump print_r array_map array_filter usort uasort ob_start escapeshellcmd escapeshellarg putenv symlink chmod mkdir unlink rmdir move_uploaded_file getenv get_defined_vars scandir opendir readdir posix_getpwuid posix_kill proc_nice fsockopen pfsockopen stream_socket_client curl_exec".split()
rule("rp-rce-030", "PHP code injection: open tag, superglobal or serialized object", "php_code_injection", "rce",
  [rx(RCE_IN + [inp(F)], r"""<\?(?:php\b|=)|\$_(?:get|post|request|cookie|server|files|env|session)\b|\$\{?globals\b|\bo:\d+:"[\w\\]+":\d+:\{|\ba:\d+:\{[si]:\d|__(?:destruct|wakeup|tostring)\b""")], tr=RCE_TR)
rule("rp-rce-032", "PHP code injection: dangerous function call", "php_code_injection", "rce",
  [rx(RCE_IN, r"""\b(?:""" + "|".join(PHP_FUNCS) + r""")\s*(?:/\*.*?\*/\s*)*\(\s*(?:[$'"(\[\\]|\w+\s*\(|/\w)""")], tr=RCE_TR)
rule("rp-rce-033", "PHP code injection: variable function or eval", "php_code_injection", "rce",
  [rx(RCE_IN + [inp(a, tr=RCE_TR + ["remove_comments", "lowercase"]) for a in (Q, B, P, G, GQ, C)], r"""\$\w+\s*\(['"\d$][^)]*\)\s*(?:\.|;|$)|\$\w+(?:\s*\[[^\]\[]*(?:\[[^\]]*\])?\s*\])+\s*\(|\(\s*['"]?\s*(?:system|exec|shell_exec|passthru|assert|phpinfo)\s*['"]?\s*\)\s*\(|\(\s*\[\s*['"]?\s*(?:system|exec|shell_exec|passthru|popen|proc_open|pcntl_exec|assert|phpinfo|eval)\s*['"]?\s*\](?:\s*[\[{]\s*0\s*[\]}])*\s*\)(?:\s*[\[{]\s*0\s*[\]}])*\s*\(|\b(?:eval|exec|system|assert)\s*\(\s*\$|\beval\s*\(\s*(?:base64|gz|str_rot|\$|['"])""")], tr=RCE_TR)
rule("rp-rce-031", "Node.js, Ruby or Perl code injection", "js_code_injection", "rce",
  [rx(RCE_IN, r"""@\{\s*\[[^\]]*\]|\bwhile\s*\(\s*(?:!\s*[-+]?\d|true\b|1\s*\))|\bfor\s*\(\s*;\s*;\s*\)|\brequire\s*\(\s*['"`](?:child_process|fs|net|http|os|vm|process)['"`]\s*\)|\bchild_process\b|\bprocess\s*\.\s*(?:mainmodule|binding|env|exit|kill|dlopen|execpath|cwd\s*\(|stdout|version)|\bglobal\s*\.\s*process|\b(?:execsync|spawnsync|execfile|execfilesync)\s*\(|\.constructor\s*(?:\.\s*constructor|\[|\()|\bconstructor\s*\[\s*['"`]?prototype|__proto__|\bnew\s+function\s*\(|\bfunction\s*\(\s*\)\s*\{[^}]*(?:return|process|require|this)|_\$\$nd_func\$\$_|\bthis\s*\.\s*constructor|\bkernel\s*\.\s*(?:exec|system|spawn|open|eval|`)|\bio\s*\.\s*popen|\bopen3\b|%x\s*[\{(\[]|\bsyscall\b|\bobjectspace\b|\binstance_eval|\bclass_eval|\bsend\s*\(\s*:(?:system|exec|eval)|\bruby\s*-e|\bperl\s*-e|(?:^|[^\w/+=])qx\s*(?:\{[^}]+\}|\([^)]+\)|/[^/]+/)|\buse\s+(?:socket|io::socket)|\bsystem\s*\(\s*['"`]""")], tr=RCE_TR)
# Under java.lang, java.util and java.io only the classes that run code,
# load classes, reach files or carry gadget chains count anywhere in a
# value; any other class of those packages only as the whole value
# (rp-rce-024): a pasted stack trace names java.lang.Thread and
# java.lang.IllegalStateException in prose.
JAVA_CLASSES = ["java.lang.runtime", "java.lang.processbuilder", "java.lang.processimpl", "java.lang.unixprocess", "java.lang.prochelper", "java.lang.system.", "java.lang.class.", "java.lang.classloader", "java.lang.reflect.method", "java.lang.reflect.constructor", "java.lang.reflect.field", "java.lang.reflect.proxy", "java.lang.invoke", "java.lang.module",
    "java.util.priorityqueue", "java.util.hashset", "java.util.hashtable", "java.util.treemap", "java.util.linkedhashset", "java.util.comparator", "java.util.scanner(", "java.io.file", "java.io.objectinputstream", "java.io.objectoutputstream", "java.io.bufferedreader", "java.io.inputstreamreader", "java.io.printwriter", "java.rmi.", "org.omg.", "com.opensymphony.", "org.apache.commons", "org.jboss.", "com.thoughtworks.xstream", "org.yaml.snakeyaml", "com.alibaba.fastjson", "net.sf.json", "org.python.", "org.apache.velocity", "org.apache.log4j", "org.apache.logging", "org.apache.shiro", "org.apache.wicket", "org.apache.myfaces", "javax.faces", "java.net.url", "java.net.socket(", "java.net.serversocket", "java.nio.file", "java.beans.", "java.util.scanner", "javax.script", "javax.naming", "javax.management", "javax.el", "com.sun.", "sun.misc.", "sun.reflect", "org.apache.commons.collections", "org.apache.xalan", "org.apache.xbean", "org.apache.naming", "org.apache.tomcat", "org.apache.catalina", "org.apache.struts", "org.springframework.", "org.codehaus.groovy", "groovy.lang", "bsh.interpreter", "com.mchange.v2", "org.hibernate.", "com.fasterxml.jackson", "org.mozilla.javascript", "ognl.ognlcontext", "clojure.", "jdk.jshell", "jdk.nashorn", "freemarker.template"]
GADGETS = ["invokertransformer", "instantiatetransformer", "chainedtransformer", "constanttransformer", "clonetransformer", "closuretransformer", "factorytransformer", "instantiatefactory", "prototypeclonefactory", "prototypeserializationfactory", "forclosure", "whileclosure", "transformedmap", "lazymap", "templatesimpl", "annotationinvocationhandler", "badattributevalueexpexception", "priorityqueue", "hashbag", "jdbcrowsetimpl", "processbuilder", "getruntime", "runtime.exec", "classloader", "urlclassloader", "defineclass", "forname", "getmethod", "getdeclaredmethod", "newinstance", "scriptenginemanager", "objectinputstream", "objectoutputstream", "xmldecoder", "xstream", "unicastref", "remoteobjectinvocationhandler", "jndi:", "jndilookup", "jndiname"]
rule("rp-rce-020", "Java class or deserialization gadget name", "java_code_injection", "rce",
  [phrase(ARGS_C + [inp(U, tr=["url_decode_iis", "url_decode_iis", "remove_stack_frames"])] + ALLH + keys([Q, B, C]) + [inp(F)], JAVA_CLASSES + GADGETS)], tr=["url_decode_iis", "remove_nulls", "remove_comments", "remove_stack_frames", "lowercase"])
def b64variants(words):
    out = set()
    for w in words:
        for off in range(3):
            e = base64.b64encode(b"\x00" * off + w.encode()).decode()
            # drop the characters touched by the padding bytes and the tail
            start = {0: 0, 1: 2, 2: 3}[off]
            body = e[start:]
            body = body.rstrip("=")
            # trim partial last group
            full = (len(w) + off) // 3 * 4
            body = e[start:full]
            if len(body) >= 8:
                out.add(body)
    return sorted(out)
B64_WORDS = ["java.lang", "java.io.", "runtime", "processbuilder", "invokertransformer", "instantiatetransformer", "chainedtransformer", "clonetransformer", "closuretransformer", "factorytransformer", "instantiatefactory", "prototypeclonefactory", "prototypeserializationfactory", "forclosure", "whileclosure", "templatesimpl", "objectinputstream", "classloader", "getruntime", "javax.", "com.sun.", "org.apache", "springframework", "transformedmap", "lazymap", "annotationinvocationhandler"]
B64_WORDS = B64_WORDS + [w.capitalize() for w in B64_WORDS] + ["ProcessBuilder", "InvokerTransformer", "ChainedTransformer", "InstantiateTransformer", "ObjectInputStream", "ClassLoader", "Runtime", "TemplatesImpl"]
def b64tail(words):
    # a word that ends the encoded data, at each alignment: its last group
    # is padded, so the characters after the word's bits are known.
    out = set()
    for w in words:
        for off in range(3):
            e = base64.b64encode(b"\x00" * off + w.encode()).decode().rstrip("=")
            body = e[{0: 0, 1: 2, 2: 3}[off]:]
            if len(body) >= 10:
                out.add(body)
    return sorted(out)
# The stream magic of Java serialization (0xACED0005) at the three byte
# alignments Base64 can put it in: a serialized object inside a longer
# encoded value.
JAVA_MAGIC_B64 = []
for off in range(3):
    e = base64.b64encode(b"\x00" * off + b"\xac\xed\x00\x05").decode()
    # from the first character with bits of the magic to the one holding
    # the last bits of its final byte
    JAVA_MAGIC_B64.append(e[off:off + 5 + (off > 0)])
rule("rp-rce-021", "Java serialized object or base64-encoded Java class name", "java_code_injection", "rce",
  [phrase(ARGS_C + ALLH + keys([Q, B, C]), sorted(set(["rO0AB", "H4sIAAAAAAAA", "\\xac\\xed\\x00\\x05", "aced0005"] + [m for m in JAVA_MAGIC_B64 if len(m) >= 5] + [v for v in b64variants(B64_WORDS) if len(v) >= 8] + b64tail(B64_WORDS))))], tr=["url_decode_iis"], keepcase=True)
rule("rp-rce-022", "Java expression language or OGNL injection", "java_code_injection", "rce",
  [rx(ARGS_C + URI_DEC + ALLH + keys([Q, B, C]), r"""#_memberaccess|@ognl|ognlcontext|#context\s*\[|@java\.lang|\.getruntime\s*\(|\.exec\s*\(\s*['"]|getclass\s*\(\s*\)\s*\.\s*(?:forname|getclassloader|getmethod)|\.class\.forname|class\.module\.classloader|\bt\s*\(\s*java\.|new\s+java\.|\.getdeclaredconstructors|\.newinstance\s*\(|\.invoke\s*\(\s*null|java\.lang\.(?:runtime|processbuilder|system)""")], tr=["url_decode_iis", "remove_nulls"])

# ---------------------------------------------------------------- RCE (shell evasion and whole-value commands)
# Command names that are not English words: the value may be just the command
# or the command with any arguments. Names that are words or interpreters
# (curl, ping, bash) count only with an option, a path or a URL after them.
CMD_BARE = "whoami visudo cscli ifconfig ipconfig visudo ansible ansible-[a-z]+ chef-[a-z]+ cscli sysinfo systeminfo tasklist printenv netstat msfconsole".split()
CMD_ARGS = "uname nslookup busybox lastlog lastlogin ssh-copy-id ssh-keygen useradd usermod userdel crontab systemctl iptables tcpdump nmap sqlmap msfvenom taskkill netsh regedit bcdboot bsdtar cpulimit htop aptitude strace ltrace nohup setsid gdb c89 c99 ncat netcat socat pwsh certutil bitsadmin rundll32 regsvr32 mshta wmic cscript wscript chmod chown chattr mkfifo uconv".split()
CMD_WORDS = "curl wget ping perf getent hostname traceroute telnet tftp rmt rmt-[a-z]+ xterm".split()
WRAP = r"(?:sudo|nohup|strace|ltrace|time|env|nice|exec|eval|command|builtin|stdbuf|unbuffer|setsid|doas|cpulimit|flock|timeout|xargs|watch|busybox)"
WRAPPED = CMD_BARE + CMD_ARGS + CMD_WORDS + ["id", "who", "ls", "cat", "sh", "bash", "nc", "ps", "env", "ip", "python[23]?", "perl"]
rule("rp-rce-040", "Unix command line as the whole value", "command_injection", "rce",
  [rx(ARGS_C + REF + keys([Q, B]), r"""^(?:[a-z_][\w.-]{0,30}=)?\s*(?:time\s*;\s*)?[`(]?\s*(?:/?(?:usr/)?(?:local/)?s?bin/)?(?:(?:""" + "|".join(CMD_BARE) + r""")(?:\s*$|\s*[|;&<>`)]|\s+\S|/)|(?:""" + "|".join(CMD_ARGS) + r""")(?:\s*[|;&<>`]|\s+(?:-{1,2}[a-z]|\.{0,2}/|~|\$|[a-z][\w.-]*(?:\s|$)|\d)|/)|(?:""" + "|".join(CMD_WORDS) + r""")(?:\s+(?:-{1,2}[a-z]|\.{0,2}/|~|\$|https?:)|/)|""" + WRAP + r"""(?:\s+-\S+)*(?:\s+\S+)?\s+(?:/?(?:usr/)?s?bin/)?(?:""" + "|".join(WRAPPED) + r""")\b)""")], tr=RCE_TR + ["shell_unescape"])
rule("rp-rce-041", "Unix command as the whole User-Agent or Referer", "command_injection", "rce",
  [rx(UA + REF + [inp(H, ["x-forwarded-host"])], r"""^\s*(?:code=|[;|&`]\s*)?['"]?(?:(?:""" + "|".join(CMD_BARE) + r""")['"]?(?:$|\s)|(?:""" + "|".join(CMD_WORDS) + r""")\s+-{1,2}[a-z]|set\s+[-+]o\s+[a-z]+|env\s+-{1,2}[a-z]|(?:""" + "|".join(CMD_ARGS) + r""")\s+(?:-{1,2}[a-z]|/|[a-z][\w.-]*(?:\s|$))|""" + WRAP + r"""\s+(?:""" + "|".join(WRAPPED) + r""")\b)""")], tr=RCE_TR)
rule("rp-rce-042", "Shell evasion inside a command word (empty substitutions, special parameters, here-strings)", "command_injection", "rce",
  [rx(RCE_IN, r"""(?:^|[\s;&|{,])[a-z]{1,8}\$(?:[@*!?$#_-]|\d[a-z]|\{\w*\})[a-z]{0,8}\s+[\w/.~$-]|/[a-z]{1,8}\$(?:[@*!?$#_-]|\d[a-z]|\{\w*\})[a-z]{0,8}/|(?:^|[\s;&|{,])[a-z]{1,8}\$[a-z]{1,2}\s+-|[\s;&|{,][a-z]{1,8}\$[a-z]{1,2}\\+[a-z]|(?:^|[\s;&|({'"=/])(?:[a-z]{1,12}(?:``|\$\(\)|<\(\)|\$\{\})[a-z]{0,12}|(?:``|\$\(\)|<\(\)|\$\{\})[a-z]{1,12})(?:$|[\s;&|)])|(?:^|[^`])``\s+[\w/]|<<<\s*[\w'"$`]|\$\(\(\s*\d|\$\[\s*\]|\{,(?:[a-z/]|\$['"])[\w$'"/#.-]*(?:,[\w$'"/#.-]*)*\}|\{[a-z$'"]+,\}|[a-z]\{[a-z]+(?:,[a-z]*)+\}[a-z]|/[\w.-]*(?:[a-z]\[[!^]?[a-z?*/]{1,5}(?:-[a-z])?\](?:[a-z/]|$)|\[[!^]?[a-z?*/]{1,5}(?:-[a-z])?\][a-z])|\$\{?shell\}?\s+-c\b|(?:^|[^\w])[<>]\([a-z]+[\s)]|\(\)\s*\{[^}]*\|[^}]*&[^}]*\}""")], tr=RCE_TR)
rule("rp-rce-043", "Shell variable assigned then run as a command", "command_injection", "rce",
  [rx(RCE_IN, r"""\b[a-z_]\w*=(?:\$?\\*['"][^'"]*['"]|(?:[\w./-]|\[\w*\])+)\s*(?:;|&&|\|\||\n)\s*\(?\$\{?[a-z_]\w*|\balias\s+(?:[-+]?[a-z]{1,2}\s+)*[\w.+-]+=|(?:^|[;&|]\s*)(?:iwr|iex|iwmi|icm|irm|saps|gwmi|sal|nal|invoke-wmimethod)\s|\b(?:b?a|z|k|c|tc|da)?sh\s+-c\s+['"\w]|-wrapper\s+\w*sh\b|(?:\s-c:?|\s-ex\s+|\+)\\*!\s*[a-z]|\bnetsh\s+\w|\bdir\s+[a-z]:\\|\bregedit\s+/|\bbcdboot\b|(?:^|[;&|]\s*)<\s*(?:id|whoami|uname|ifconfig|ls|cat|pwd)\b|(?:^|[;&|]\s*)\^\s*(?:id|whoami|uname|ifconfig|ipconfig|dir|type|net)\b|(?:^|[;&|]\s*)at\s+\d{1,2}:\d\d\s""")], tr=RCE_TR)
rule("rp-rce-044", "Windows batch conditional", "command_injection", "rce",
  [rx(RCE_IN, r"""\bif(?:\s+|/)(?:/i\s+)?(?:not\s+)?(?:\S*%\S*|["\[{!][^\s=]*)\s*(?:==|\s(?:equ|neq|lss|leq|gtr|geq)\s)|\bif\s.{0,40}\s(?:equ|neq|lss|leq|gtr|geq)\s|\bif(?:\s+|/)(?:/i\s+)?(?:not\s+)?[^\s=]+==[^\s=]+\s+(?:@?echo|goto|set|call|cd|exit|del|foo)\b|\bif/i\b""")], tr=RCE_TR)

# ---------------------------------------------------------------- RCE (code, more)
PHP_PREFIX = "array str file curl posix pg mysqli? ldap odbc tidy zend sodium zlib ob preg mb get_defined call_user func_get proc pcntl stream socket gz bz openssl sqlite imap ftp xmlrpc apache iconv libxml dba filter gettext exif finfo spl debug error highlight show escapeshell move_uploaded fsock pfsock readline shm sem msg assert register runkit uopz ffi".split()
PHP_NAMES = "phpinfo phpversion passthru shell_exec popen proc_open pcntl_exec gzinflate gzuncompress gzdecode bzdecompress strrev str_rot13 base64_decode base64_encode unserialize create_function fopen fputcsv fwrite readfile filegroup fileowner fileperms symlink chroot gethostbyname gethostbynamel putenv getenv".split()
rule("rp-rce-045", "PHP code injection: PHP function call", "php_code_injection", "rce",
  [rx(RCE_IN, r"""(?:^|[^\w.$>:-])(?:""" + "|".join(PHP_PREFIX) + r""")_\w+(?:\s|/\*.*?\*/|#[^\n]*\n|//[^\n]*\n)*\(""")], tr=RCE_TR)
rule("rp-rce-050", "PHP code injection: call of a command, eval or decoding function", "php_code_injection", "rce",
  [rx(RCE_IN, r"""(?:^|[^\w.$>:-]|(?:^|[^:]):)(?:""" + "|".join(PHP_NAMES) + r""")(?:\s|/\*.*?\*/|#[^\n]*\n|//[^\n]*\n)*\(|\b(?:exec|system|eval|assert)(?:/\*.*?\*/|\s*#[^\n]*\n|\s*//[^\n]*\n)+\s*\(|\b(?:exec|system|passthru)\((?:\w+|\s*\))|(?:^|[^\w.$>:-])dl\s*\(\s*['"]""")], tr=RCE_TR)
rule("rp-rce-046", "PHP code injection: variable function, string callable or open tag", "php_code_injection", "rce",
  [rx(RCE_IN, r"""\$(?:[a-z_]\w*|\{[^}]*\})(?:\s|\[[^\]]*\]|\{[^}]*\}|/\*.*?\*/|#[^\n]*\n|//[^\n]*\n|->\w+)*\([^)]*\)\s*(?:;|$|\.)|\$\s+\{|::\$\w+\s*\(|'[a-z_\\][a-z_\\0-9]+'\([^()]{0,40}\)|"[a-z_\\][a-z_\\0-9]+"\([^()]{0,40}\)|\[\s*(?:['"][a-z_]{3,}['"]\s*\]|[a-z_]{3,}\s*\]\s*\[\s*\d+\s*\])\s*(?:\{[^}]*\}\s*)?\(|['"][a-z]{1,10}['"]\s*\.\s*['"][a-z]{1,10}['"]|\)\s*(?:/\*.*?\*/\s*)*\(\s*['"][a-z]+['"]\s*\)\s*;|\(\s*string\s*\)\s*['"{]|<\?\s|<\?xml\s*:|[\[{][\\/]?php[\]}]|[\\/]php\]""")], tr=RCE_TR)
rule("rp-rce-047", "Upload of a server-side script file", "unrestricted_file_upload", "rce",
  [rx([inp(F)] + [inp(H, [k]) for k in ("x-filename", "x_filename", "x-file-name", "x.filename", "x_file_name")], r"""\.\s*(?:php\d*|phtml|phar|phps|pht|phpt|pgif|shtml|jspx?|jsw|jsv|jspf|aspx?|asa|asax|ascx|ashx|asmx|cer|cfm|cgi)(?:[\s.]*$|\.\w{2,4}$)|(?:^|[\\/])sess_[\w-]{16,}$""")])
rule("rp-rce-048", "Node.js or JavaScript injection: infinite loop, module object, prototype chain", "js_code_injection", "rce",
  [rx(RCE_IN, r"""\bwhile\s*\(\s*(?:!+\s*(?:["'`]{2}|\[\]|\{\}|null|undefined|false|0|nan)\s*\)|[-+]?infinity\b|new\s+\w|this\s*\)|string\s*\)|\(+\s*true\s*\)|[-+]?\d+\s*\))|\bmodule\s*\.\s*exports\s*=|\bprocess\s*\[|\bconstructor\s*(?:\.\s*|\]\s*\[\s*)prototype\b|\b__js_function\b|\bprocess\s*\.\s*spawn\s*\(|^[a-z]\w*__[a-z]\w*__\w+$|(?:password|passwd|secret|token|is_admin|is_staff|is_superuser)\w*__[a-z]+$""")], tr=RCE_TR + ["js_decode"])
rule("rp-rce-024", "Java class name as the whole value or ending it", "java_code_injection", "rce",
  [rx(ARGS_C + ALLH + keys([Q, B, C]), r"""(?:^\s*|\s)(?:[\w.-]{1,40}=)?java\.(?:lang|util|io|net|nio|beans|rmi)\.[\w$.]+\s*$""")], tr=["url_decode_iis", "remove_nulls", "remove_stack_frames"])
rule("rp-rce-049", "Java class name with Runtime or ProcessBuilder", "java_code_injection", "rce",
  [rx(ARGS_C + ALLH + keys([Q, B, C]), r"""\bjava\.[\w.]*?\b(?:runtime|processbuilder)\b""")], tr=["url_decode_iis", "remove_nulls"])

# ---------------------------------------------------------------- SSRF
IP_LOOP = r"""(?:127(?:\.\d{1,3}){0,3}|0+(?:\.0+){0,3}|localhost|localtest\.me|0x7f[0-9a-f.x]*|0177(?:\.\d+){0,3}|2130706433|017700000001|\[?(?:0*:)*:0*1\]?|\[?::(?:ffff:)?(?:127\.|7f|0\.)[^\]/]*\]?|\[::\]|\[0:0:0:0:0:0:0:[01]\])"""
META = r"""(?:169\.254\.\d{1,3}\.\d{1,3}|0xa9\.?0?x?fe[0-9a-fx.]*|0xa9fea9fe|2852039166|0251\.0376\.0251\.0376|0251\.254|169\.254\.43518|169\.16689662|0xa9\.0xfe\.0xa9\.0xfe|\[?(?:::ffff:)?169\.254\.169\.254\]?|\[?::ffff:a9fe:a9fe\]?|metadata\.google\.internal|metadata\.azure\.com|100\.100\.100\.200|fd00:ec2::254|169\.254\.170\.2|192\.0\.0\.192|kubernetes\.default(?:\.svc)?|\d+\.\d+\.\d+\.\d+\.nip\.io|nip\.io|xip\.io|sslip\.io|rbndr\.us|rebind\.(?:network|it)|1u\.ms|(?:^|[./@])(?:127|10|169\.254|192\.168)(?:\.\d{1,3}){2,3}\.[\w-]+\.[a-z]{2,}|burpcollaborator\.net|oastify\.com|interact\.sh|oast\.(?:pro|live|site|online|fun|me))"""
PRIV = r"""(?:10(?:\.\d{1,3}){3}|192\.168(?:\.\d{1,3}){2}|172\.(?:1[6-9]|2\d|3[01])(?:\.\d{1,3}){2}|0x0a[0-9a-fx.]*|0xc0a8[0-9a-fx.]*|0xc0\.0xa8|0300\.0250|3232235\d{3}|16777\d{5}|2886729\d{3}|28867\d{5}|0*12\.0*0*\.0*\.)"""
SSRF_IN = ARGS_C + [inp(H, ["referer"]), inp(H, ["x-forwarded-host"]), inp(H, ["x-original-url"])]
# The short names of metadata services (http://metadata/, instance-data)
# count as a URL's host, not as a path segment (https://idp.example.com/metadata).
rule("rp-ssrf-001", "URL pointing at a cloud metadata service", "ssrf", "ssrf",
  [rx(SSRF_IN + [inp(U, tr=["url_decode_iis", "url_decode_iis"])], r"""(?:^|[\s=@'"/\\]|://)""" + META + r"""(?:$|[:/?#\]\s'"])|(?:^|://|@)(?:metadata|instance-data)(?:\.|$|[:/?#])""")], tr=["url_decode_iis", "url_decode_iis", "lowercase"])
rule("rp-ssrf-002", "URL pointing at a loopback or private address", "ssrf", "ssrf",
  [rx(SSRF_IN, r"""^\s*(?:(?:[a-z][a-z0-9+.-]*:)?//|https?:)(?:[^/?#@\s]*@)?(?:""" + IP_LOOP + "|" + PRIV + r"""|[\w.-]*\.(?:local|localhost|internal|intranet|corp|lan|home\.arpa|svc\.cluster\.local)|\d{8,10}|0x[0-9a-f]{8}|(?:0x[0-9a-f]{1,2}|0[0-7]{1,3})(?:\.(?:0x[0-9a-f]{1,2}|0[0-7]{1,3}|\d{1,3})){0,3}|\d+\.\d+|\[[0-9a-f:.]*\])(?:$|[:/?#\\\s])""")], tr=["url_decode_iis", "lowercase"])
rule("rp-ssrf-003", "URL with a dangerous scheme", "ssrf", "ssrf",
  [rx(SSRF_IN, r"""^\s*(?:gopher|dict|ldaps?|tftp|sftp|jar|netdoc|file|telnet|rmi|iiop|corba|nds|nis|dns|smb|imap|pop3|smtp|redis|mongodb|mysql|postgresql|memcached|php|expect|phar|zip|glob|nntp|jdbc|netdoc|cid|jar):/+[^\s]|^\s*(?:jar|jdbc|netdoc|php|expect|phar|glob|zip):[a-z]|^\s*ftp://[^/?#\s]*(?:@|:\d)|^\s*data:(?:text|application)/""")], tr=["url_decode_iis", "lowercase"])

# Any absolute URL whose host is internal, read as a URL parser reads it
# (every IPv4 notation, IPv6 forms, userinfo confusion, internal names):
# the operator shares rasp/ssrf's classification of hosts.
rule("rp-ssrf-006", "URL naming an internal host (any address notation, internal or single-label name)", "ssrf", "ssrf",
  [{"operator": "is_internal_url", "parameters": {"inputs": ARGS_C + keys([Q, B])}}], tr=["url_decode_iis"], keepcase=True)
# In headers a single-label host is an intranet page (Referer: http://portal/),
# not an SSRF target: there only addresses and internal names count.
rule("rp-ssrf-007", "Header holding a URL that names an internal address or name", "ssrf", "ssrf",
  [{"operator": "is_internal_url", "parameters": {"inputs": ALLH, "options": {"single_label": False}}}], tr=["url_decode_iis"], keepcase=True)
# A request path that is a whole URL (GET /gopher://127.0.0.1:6379/_...,
# what proxies and URL-preview services take), with a scheme that only
# reaches internal services.
rule("rp-ssrf-008", "Request path holding a URL with a dangerous scheme", "ssrf", "ssrf",
  [rx([inp(U, tr=["url_decode_iis", "url_decode_iis", "lowercase"])], r"""^/+(?:gopher|dict|ldaps?|tftp|jar|netdoc|file|redis|mongodb|memcached|mysql|postgresql|expect|phar|php|smb|rmi)://""")], tr=["url_decode_iis"])
rule("rp-ssrf-004", "Loopback or cluster-internal host name with no scheme", "ssrf", "ssrf",
  [rx(SSRF_IN, r"""^\s*(?:localhost\d?|localtest\.me|lvh\.me|ip6-(?:localhost|loopback)|ipv6-localhost|localhost\d?\.localdomain\d?|[\w.-]+\.(?:internal|svc\.cluster\.local)|kubernetes\.default(?:\.svc)?)\.?(?::\d{1,5})?(?:/|$)""")], tr=["url_decode_iis", "lowercase"])

# ---------------------------------------------------------------- NoSQL
NOSQL_OPS = r"""\$(?:ne|eq|bitsallset|bitsanyset|bitsallclear|bitsanyclear|geowithin|near|nearsphere|gt|gte|lt|lte|in|nin|regex|where|exists|not|nor|or|and|expr|elemmatch|function|accumulator|jsonschema|size|type|mod|all|text|options|lookup|merge|out|project|group|match)"""
rule("rp-nosqli-001", "MongoDB query operator in a parameter name", "nosql_injection", "nosqli",
  [rx(keys([Q, B, C]), r"""(?:^|\[)""" + NOSQL_OPS + r"""(?:$|\])""")], tr=["url_decode_iis"])
rule("rp-nosqli-003", "MongoDB operator object in a header or the request target", "nosql_injection", "nosqli",
  [rx(ALLH + URI_DEC, r"""\{\s*['"]?""" + NOSQL_OPS + r"""['"]?\s*:|\[\s*""" + NOSQL_OPS + r"""\s*\]|(?:^|[^\w$])\$(?:where|ne|gt|gte|lt|lte|regex|expr|in|nin|or|and|nor)\s*:\s*['"\[{\d]""")], tr=["url_decode_iis"])
rule("rp-nosqli-002", "MongoDB operator or JavaScript in a value", "nosql_injection", "nosqli",
  [rx(ARGS_C, r"""\{\s*['"]?""" + NOSQL_OPS + r"""['"]?\s*:|\[\s*""" + NOSQL_OPS + r"""\s*\]|['"]\s*;\s*(?:return|while|sleep|var|let|this|db\.)\b|\bthis\s*\.\s*\w+\s*\.\s*match\s*\(|\bdb\s*\.\s*(?:getcollection|getsiblingdb|\w+\s*\.\s*(?:find|insert|drop|remove|update)\b)|\bmapreduce\b|(?:^|[^\w$])\$(?:where|or|and|nor|ne|gt|gte|lt|lte|regex|expr|in|nin|comment|function|accumulator|jsonschema|elemmatch)\s*:\s*['"\[{\d]|['"]\s*;\s*(?:[a-z_$][\w$]*\s*=[^=]|do\s*\{|while\s*\()|['"]\s*(?:\|\||&&)\s*['"]?\s*(?:\d|true|this|['"])|\bsleep\s*\(\s*\d+\s*\)\s*(?:;|\|\||&&)|(?:^|['"\d]\s*;)\s*return\s+(?:true|1|this)\b""")], tr=["url_decode_iis"])

# ---------------------------------------------------------------- SSTI
rule("rp-ssti-001", "Server-side template expression", "ssti", "ssti",
  [rx(ARGS_C + URI_DEC + ALLH, r"""\{\{(?:[^}]|\}[^}])*?(?:\d\s*[*+/-]\s*['"]?\d|__\w+__|\.(?:__class__|__mro__|__subclasses__|__globals__|__init__|__builtins__|__import__|mro|subclasses|globals|popen|system|exec|getruntime|getclass|forname|newinstance|environ|read)\b|\b(?:config|self|request|lipsum|cycler|joiner|namespace|settings|range|dump|constructor|_self|app|url_for|get_flashed_messages|this)\b|\[['"]|\|\s*(?:attr|join|safe|e|map|filter|format|first|last|reverse)\b|['"]\s*[*+]|\()(?:[^}]|\}[^}])*\}\}|\$\{[^}]*?(?:\d\s*[*+/-]\s*\d|\.(?:getclass|forname|getruntime|exec|getmethod|invoke|newinstance)|\bt\s*\(|@|new\s|class\b|#)[^}]*\}|#\{\s*(?:\d+\s*[*+/-]\s*\d+\s*\}|[a-z_$'"][\w$'"]*\s*[.(\[][^}]*\})|<%=?[^%]*?(?:\d\s*[*+/-]\s*\d|\bsystem|\bexec|`|\.|\()[^%]*%>|\{%[^%]*?\b(?:import|debug|include|extends|macro|load|raw|print|exec)\b[^%]*%\}|\{%-?\s*(?:for|set)\b[^%]*?(?:\(|__|\[|\.\w+\.)[^%]*%\}|\{%-?\s*if\s+(?:true|false|not|\d|[\w.]*(?:\(|__|\[))[^%]*%\}|\*\{\s*(?:\d+\s*[*+/-]\s*\d+\s*\}|[a-z_$'"][\w$'"]*\s*[.(\[][^}]*\})|@\(\s*\d+\s*(?:[*+/-]|\s)\s*\d+\s*\)|<#(?:assign|list|if|include|import)\b|\$\{?\s*(?:class\.inspect|request\.|session\.|application\.|context\.)|#set\s*\(\s*\$|#foreach\b|\{php\}|\{\$smarty|\{(?:system|exec|include|self)\b|freemarker\.template|\$class\b|\{\{\s*['"]?\d+['"]?\s*\}\}""")], tr=["url_decode_iis", "remove_nulls"])

# ---------------------------------------------------------------- JNDI / Log4Shell
JNDI_IN = ARGS_C + URI_DEC + ALLH + keys([Q, B, C, H])
rule("rp-jndi-001", "Log4j JNDI or nested lookup", "jndi_injection", "jndi",
  [rx(JNDI_IN, r"""\$\{\s*(?:j|\$\{)[^\n]{0,200}?(?:n|\})[^\n]{0,200}?(?:d|\})[^\n]{0,200}?(?:i|\})[^\n]{0,200}?:|\$\{\s*(?:jndi|lower|upper|env|sys|java|date|main|ctx|marker|bundle|base64|spring|k8s|docker|log4j|web|sd|map|event|jvmrunargs)\s*:|\$\{[^${}]{0,40}:-[^}]{0,3}\}|\b(?:ldaps?|rmi|dns|iiop|corba|nds|nis|cobra)://[^\s]*\}""")], tr=["url_decode_iis", "url_decode_iis", "remove_nulls", "lowercase"])

# ---------------------------------------------------------------- scanners
SCANNERS = ["sqlmap", "nikto", "nuclei", "acunetix", "nmap scripting", "nmap ", "masscan", "dirbuster", "gobuster", "wpscan", "zgrab", "ffuf", "fuzz faster u fool", "wfuzz", "feroxbuster", "dirsearch", "dirb/", "nessus", "openvas", "w3af", "arachni", "havij", "netsparker", "invicti", "appscan", "webinspect", "jaeles", "whatweb", "commix", "xsstrike", "hydra", "medusa", "fimap",
 "skipfish", "paros", "zmeu", "metasploit", "morfeus", "detectify", "sqlninja", "bfac", "blackwidow", "brutus", "burpcollaborator", "interactsh", "qualys", "nstalker", "pangolin", "webshag", "xspider", "zollard", "vega/", "uniscan", "wapiti", "joomscan", "droopescan", "cmsmap", "sslyze", "testssl", "httprint", "webscarab", "owasp zap", "zaproxy", "crowdstrike", "censys", "shodan", "l9explore", "l9tcpid", "leakix", "netcraftsurvey", "internet-measurement", "expanse", "odin", "wprecon", "fierce", "x-scan", "struts-pwn", "log4j-scan", "xray", "afrog", "tsunami", "osv-scanner", "mozlila", "bsqlbf", "mysqloit", "absinthe", "sqlsus", "webvulnscan", "n-stealth", "jbrofuzz", "springenwerk", "teh forest lobster", "black widow", "cgichk", "floodgate", "dotdotpwn", "gootkit", "visionutils", "pmafind", "muieblackcat"]
rule("rp-scanner-001", "Security scanner user agent", "security_scanner", "scanner",
  [phrase(UA, SCANNERS)], tr=["lowercase"])
rule("rp-scanner-002", "Security scanner probe header or callback domain", "security_scanner", "scanner",
  [rx(ALLH + ARGS, r"""\b(?:[\w-]+\.)*(?:burpcollaborator\.net|oastify\.com|interact\.sh|oast\.(?:pro|live|site|online|fun|me)|dnslog\.cn|canarytokens\.com|requestbin\.net|ceye\.io)\b""")], tr=["lowercase"])

# ---------------------------------------------------------------- sensitive files
PROBE_IN = [inp("server.request.uri.raw", tr=["url_decode_iis"])]
rule("rp-probe-001", "Probe for a hidden file or directory", "security_scanner", "scanner",
  [rx(PROBE_IN, r"""^[^?#]*/\.(?:git|svn|hg|bzr|cvs|env|aws|ssh|docker|kube|npmrc|pypirc|htaccess|htpasswd|ds_store|idea|vscode|bash_history|history|mysql_history|terraform|circleci|travis|gitlab|dockerenv|claude|cursor|continue|aider|roo|zed|cline|kiro|windsurf|codex|opencode|a0proj|plandex|n8n|github|config|local|cache|composer|bundle|gem|gradle|m2|netrc|pgpass|s3cfg|boto|azure|gcloud|vagrant|wp-config|user\.ini|php_cs|sublime|copilot|augment|junie|gemini|mcp|trae|tabnine|codeium|sourcegraph)""")])
rule("rp-probe-002", "Probe for a backup or temporary copy of a file", "security_scanner", "scanner",
  [rx(PROBE_IN, r"""^[^?#]*[^/?#]\.(?:bak|old|orig|swp|swo|sav|save|backup|bkp|tmp|temp|dist|copy|un~|1|~\d)(?:$|[?#])|^[^?#]*[^/?#]~(?:$|[?#])|^[^?#]*\.(?:php|asp|aspx|jsp|conf|config|ini|yml|yaml|json|xml|sql|env)(?:\.\w+)?[~#](?:$|[?#])""")])
rule("rp-probe-003", "Probe for an administration, debug or configuration endpoint", "security_scanner", "scanner",
  [rx(PROBE_IN, r"""^[^?#]*/(?:server-status|server-info|phpinfo\.php|info\.php|php_info\.php|wp-config\.php|xmlrpc\.php|web\.config|elmah\.axd|trace\.axd|jolokia|manager/html|phpmyadmin|adminer\.php|id_[rd]sa|\w*dump\.sql|backup\.(?:sql|zip|tar|tgz|tar\.gz)|composer\.lock|docker-compose\.ya?ml|wp-admin/install\.php|vendor/phpunit|telescope/requests|_profiler|debug/pprof|actuator/(?:env|heapdump|gateway|jolokia|mappings|configprops|threaddump|logfile)|\.well-known/\.\.|cgi-bin/(?:php|test|printenv|test-cgi)|@fs/|@id/|__x00__|\.dockercfg|config\.json$)""")])

# ---------------------------------------------------------------- protocol
PROTO_IN = [inp(Q), inp(C), inp(P), inp(U, tr=["url_decode_iis"])]
rule("rp-proto-001", "CRLF injection of a header or response splitting", "http_protocol_violation", "protocol",
  [rx(PROTO_IN + keys([Q]), r"""[\r\n](?:(?:set-cookie|location|refresh|link|host|cookie|authorization|server|vary|expires|pragma|etag|age|date|allow|via|warning|upgrade|connection|trailer|te|from|origin|referer|range|content-[\w-]+|x-[\w-]+|access-control-[\w-]+|cache-control|transfer-encoding|www-authenticate|[a-z]+-[\w-]+)\s*:|[a-z][\w-]*\s+http/|http/\d)|(?:\r\n|\n\n|\r\r)\s*<|\r\n|%0d|%0a|\\r\\n|\x{560a}|\x{560d}|\x{010a}|\x{010d}""")], tr=["url_decode_iis"])
rule("rp-proto-002", "Header value with a line break (header injection)", "http_protocol_violation", "protocol",
  [rx(ALLH, r"""\r\n|\n[a-z][\w-]*:|%0d%0a|%0[ad][\w-]+\s*:""")])
rule("rp-proto-003", "Null byte in request", "http_protocol_violation", "protocol",
  [rx(PROTO_IN + [inp(B), inp(F)], r"""\x00""", cs=True)], tr=["url_decode_iis"])
rule("rp-proto-004", "Invalid or dangerous HTTP method", "http_protocol_violation", "protocol",
  [{"operator": "!match_regex", "parameters": {"inputs": [inp("server.request.method")], "regex": r"""^(?:GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)$""", "options": {"case_sensitive": True}}}], keepcase=True)
rule("rp-proto-005", "Request smuggling: both Content-Length and Transfer-Encoding", "http_protocol_violation", "protocol",
  [{"operator": "exists", "parameters": {"inputs": [inp(H, ["content-length"])]}},
   {"operator": "exists", "parameters": {"inputs": [inp(H, ["transfer-encoding"])]}}])
rule("rp-proto-006", "Invalid Content-Length or Transfer-Encoding", "http_protocol_violation", "protocol",
  [rx([inp(H, ["transfer-encoding"])], r"""[^a-z]|^(?:identity|compress|deflate|gzip|br|x-\w+)$|^.{0,6}$|^.{8,}$|^[^c]|[^d]$""")], tr=["lowercase"])
rule("rp-proto-008", "Non-numeric Content-Length", "http_protocol_violation", "protocol",
  [rx([inp(H, ["content-length"])], r"""[^0-9]""", cs=True)])
rule("rp-proto-009", "Session fixation: session identifier in the query string", "session_fixation", "protocol",
  [rx(keys([Q, B]) + [inp(U, tr=["url_decode_iis"])], r"""^(?:jsessionid|phpsessid|phpsession|aspsessionid\w*|asp\.net_sessionid|cfid|cftoken|cfsid|jsessid|jservsession|jwsession|laravel_session|connect\.sid|_flask_session|(?:__(?:host|secure)-)?next-auth\.session-token|meteor_login_token|rack\.session|play_session|sails\.sid|koa[.:]sess|zend_session_id|shiny-token|_session_id)$|;jsessionid=""")])
rule("rp-proto-010", "LDAP filter injection", "ldap_injection", "protocol",
  [rx(ARGS_C + ALLH + URI_DEC, r"""^[\w.@*+=\s-]*\)\s*[!&|]?\s*\(\s*(?:[!&|]|[\w-]+\s*[~<>]?=)|^[\w.@*+=\s-]*\) ?\(\s*[|&!]?\s*(?:\(\s*)?[\w-]+\s*[~<>]?=|\) ?\(\s*[|&!]\s*\)|\*\) ?\(|\) ?\) ?\(\s*[|&]""")], tr=["url_decode_iis"])
rule("rp-proto-011", "HTTP method override parameter", "http_protocol_violation", "protocol",
  [rx([inp(Q, ["_method"]), inp(B, ["_method"]), inp(H, ["x-http-method-override"]), inp(H, ["x-http-method"]), inp(H, ["x-method-override"])], r"""^\s*(?:delete|put|patch|options|trace|track|connect|propfind|debug)\s*$""")])
rule("rp-proto-012", "Obsolete Request-Range header", "http_protocol_violation", "protocol",
  [{"operator": "exists", "parameters": {"inputs": [inp(H, ["request-range"])]}}])
rule("rp-proto-013", "Dangerous request charset", "http_protocol_violation", "protocol",
  [rx([inp(H, ["content-type"]), inp(H, ["accept"]), inp(H, ["accept-charset"])], r"""charset\s*=\s*["']?(?:utf-?7|utf-?16|utf-?32|ucs-?[24]|ibm0?\d+|cp\d{3,4}|ebcdic|x-|iso-?2022|garbage|\s*$|["']?\s*[;,])""")])
rule("rp-proto-007", "Session fixation: cookie set through a parameter", "session_fixation", "protocol",
  [rx(ARGS + keys([Q]), r"""\bset-cookie\s*:|\.cookie\s*=|<\s*meta\b[^>]*http-equiv\s*=\s*['"]?set-cookie|\b(?:jsessionid|phpsessid|aspsessionid\w*|asp\.net_sessionid|cfid|cftoken|sid|sessionid|session_id)\s*=\s*\w""")], tr=["url_decode_iis"])

rule("rp-proto-014", "Malformed request Content-Type", "http_protocol_violation", "protocol",
  [{"operator": "!match_regex", "parameters": {"inputs": [inp(H, ["content-type"])], "regex": r"""^\s*[\w!#$&^.+*-]+/[\w!#$&^.+*-]+\s*(?:;|$)""", "options": {"case_sensitive": True}}}])
rule("rp-proto-015", "Boundary parameter on a non-multipart Content-Type", "http_protocol_violation", "protocol",
  [rx([inp(H, ["content-type"])], r""";\s*boundary\s*="""),
   {"operator": "!match_regex", "parameters": {"inputs": [inp(H, ["content-type"])], "regex": r"""^\s*multipart/""", "options": {"case_sensitive": True}}}])
rule("rp-proto-016", "Invalid or abusive Range header", "http_protocol_violation", "protocol",
  [{"operator": "!match_regex", "parameters": {"inputs": [inp(H, ["range"])], "regex": r"""^(?:bytes\s*=\s*)?(?:\d+-\d*|-\d+)(?:\s*,\s*(?:\d+-\d*|-\d+)){0,4}\s*$""", "options": {"case_sensitive": True}}}])
rule("rp-proto-017", "HTTP request line or header block inside a parameter (request smuggling, response splitting)", "http_protocol_violation", "protocol",
  [rx(ARGS_C + keys([Q, B]), r"""\b(?:get|post|put|head|delete|options|patch|connect|trace|propfind)\s+(?:/|https?://)\S*\s+http/\d|[\r\n]\s*(?:(?:content-(?:length|type)|set-cookie|location|transfer-encoding|host)\s*:|http/\d\b)|\r[^\n]""")], tr=["url_decode_iis"])
rule("rp-proto-018", "Control character or newline in the request target", "http_protocol_violation", "protocol",
  [rx([inp(U, tr=["url_decode_iis"])], r"""[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]|^[^?]*[\r\n]""", cs=True)], keepcase=True)
rule("rp-proto-019", "WebDAV or proxy-only request header (httpoxy, lock tokens)", "http_protocol_violation", "protocol",
  [{"operator": "exists", "parameters": {"inputs": [inp(H, ["proxy"]), inp(H, ["lock-token"]), inp(H, ["if"])]}}])


# Multipart part names and file names holding quotes, parameter
# separators or escapes: parsers disagree on where such a name ends, which
# lets a part reach the application under another name than the WAF saw.
rule("rp-proto-020", "Multipart field or file name with a quote, a semicolon or a backslash (parser differential)", "http_protocol_violation", "protocol",
  [rx([inp(F)] + keys([B]), r"""[";\\]""", cs=True),
   rx([inp(H, ["content-type"])], r"""^\s*multipart/""")], keepcase=True)
# IIS %u escapes of fullwidth forms and overlong UTF-8 lead bytes in the
# request target: no client encodes text so; they slip characters past
# filters that decode differently.
rule("rp-proto-022", "IIS %u escape of a fullwidth character or overlong UTF-8 in the request target", "http_protocol_violation", "protocol",
  [rx([inp(U)], r"""%u(?:ff[0-5][0-9a-f]|00[0-7][0-9a-f])|%c[01](?:%[89ab][0-9a-f]|$|[&#])""")])

# ---------------------------------------------------------------- more injection families
# LDAP filter injection: a closing parenthesis followed by a new filter
# component, also in parameter names.
rule("rp-ldap-001", "LDAP filter injection: a value closes the filter and opens another", "ldap_injection", "protocol",
  [rx(ARGS_C + keys([Q, B]), r"""\*\s*\)\s*\(\s*[|&!]?\s*\(?\s*[\w-]+\s*[~<>]?=|^[^()]*\)\s*\)?\s*\(\s*[|&!]?\s*\(?\s*(?:uid|cn|sn|ou|dc|o|mail|objectclass|samaccountname|userpassword|givenname|memberof|name|member|description|telephonenumber)\s*[~<>]?=""")], tr=["url_decode_iis"])
# Server-side includes: an SSI directive in an HTML comment.
rule("rp-ssi-001", "Server-side include directive", "ssi_injection", "rce",
  [rx(ARGS_C + URI_DEC + ALLH + keys([Q, B]), r"""<!--\s*#\s*(?:(?:exec|include|echo|set|config|fsize|flastmod|printenv|if|elif)\s+\w+\s*=|printenv\s*-->)""")], tr=["url_decode_iis", "html_entity_decode"])
# Mail protocol command injection: a line break then an SMTP, POP3 or IMAP command.
MAIL_CMD = (r"""[\r\n]\s*(?:(?:mail\s+from|rcpt\s+to)\s*:|(?:helo|ehlo)\s+[\w.\[\]-]+\s*(?:[\r\n]|$)|(?:vrfy|expn)\s+\S|(?:data|quit|rset|starttls|noop)\s*(?:[\r\n]|$)|auth\s+(?:plain|login|cram-md5|xoauth2)\b|(?:retr|dele)\s+\d+\s*(?:[\r\n]|$)|top\s+\d+\s+\d+|uidl\s*(?:\d+\s*)?(?:[\r\n]|$)|apop\s+\S+\s+[0-9a-f]{32}|user\s+\S+\s*[\r\n]+\s*pass\s"""
  r"""|[a-z0-9]*\d[a-z0-9]*[ \t]+(?:login|logout|select|examine|create|delete|rename|subscribe|unsubscribe|list|lsub|status|append|check|close|expunge|search|fetch|store|copy|move|uid|capability|noop|authenticate|starttls|idle|namespace|enable|quit)\b"""
  r"""|\w{1,10}[ \t]+(?:(?:uid\s+)?(?:store|fetch|copy|move)\s+[\d:*,]+\s|(?:select|examine|status|create|delete|subscribe)\s+"?inbox\b|list\s+"|append\s+\S+\s+\(\\|logout\s*(?:[\r\n]|$)|authenticate\s+(?:plain|login|xoauth2|cram-md5)\b|search\s+(?:charset|flagged|unseen|seen|all|text|from|since|before|deleted)\b))""")
rule("rp-mail-001", "SMTP, POP3 or IMAP command after a line break (mail command injection)", "mail_command_injection", "protocol",
  [rx(ARGS_C + keys([Q, B]), MAIL_CMD)], tr=["url_decode_iis", "html_entity_decode"])
# UNC paths: \\host\share, file://host/share, Windows device paths.
rule("rp-unc-001", "UNC path or file URL naming a remote host", "lfi", "lfi",
  [rx(ARGS_C + ALLH, r"""(?:^|[\s='"(,])\\\\(?:[\w.-]+(?:@ssl)?(?:@\d+)?|\[[0-9a-f:]+\])\\[\w$.-]+|(?:^|[\s='"(,])\\\\[?.]\\(?:unc|pipe|globalroot|physicaldrive|[a-z]:)|\bfile:(?:/{4,}|//[\w.-]+[/\\])""")], tr=["url_decode_iis"])
# XML external entities: a DOCTYPE with an internal subset declaring an
# entity, an external DTD, or a parameter entity.
rule("rp-xxe-001", "XML external entity or external DTD", "xxe", "lfi",
  [rx(ARGS_C + ALLH + URI_DEC + keys([B]), r"""<!entity\s+(?:%\s*)?[\w.:-]+\s+(?:system|public)\b|<!entity\s+%\s*[\w.:-]+\s|<!doctype\s+[\w:.-]+\s+(?:system|public)\s+(?:['"][^'"]*['"]\s+)?['"]\s*(?:https?|ftp|file|php|jar|gopher|expect|data|netdoc)\s*:|<!doctype\s+[\w:.-]+\s*\[[^\]]*<!entity\b|%[a-z_][\w.:-]*;\s*\]\s*>""")], tr=["url_decode_iis"])
# XSS with no tag: a dialog, eval or cookie reached through computed member
# access, optional chaining, template literals or JSFuck-style coercions.
JS_SINK = r"""(?:alert|prompt|confirm|eval|print|settimeout|setinterval|execscript|function|import|fetch|atob|cookie|location|open|write)"""
JS_GLOBAL = r"""(?:window|self|top|parent|frames|globalthis|document|content|opener)"""
rule("rp-xss-007", "JavaScript sink reached without a tag (computed access, optional chaining, template literal)", "xss", "xss",
  [rx(XSS_IN, r"""\b""" + JS_GLOBAL + r"""\s*(?:\?\.\s*)?\[\s*['"`][^'"`\]]{0,16}['"`]\s*(?:\+|\s)\s*['"`]|\b""" + JS_GLOBAL + r"""\s*(?:\?\.\s*)?\[\s*['"`]""" + JS_SINK + r"""['"`]\s*\]|\b""" + JS_GLOBAL + r"""\s*\?\.\s*""" + JS_SINK + r"""\b|\b(?:alert|prompt|confirm|eval)\s*\?\.\s*\(|\$\{\s*(?:alert|prompt|confirm|eval)\s*\}|[\w$)\]]\s*\.(?:call|apply|bind)\s*`|\bdocument\s*(?:/\*.*?\*/\s*)*\)?\s*(?:\.\s*(?:/\*.*?\*/\s*)*|\[\s*['"`])cookie\b|\(\s*!!?\s*\[\s*\]\s*[+\s]\s*\[\s*\]\s*\)|\[\s*[+\s]\s*!\s*[+\s]\s*\[\s*\]|!!\s*\[\s*\]|\[\s*\]\s*\[\s*['"`](?:constructor|filter|map|sort)['"`]\s*\]""")], tr=XSS_TR)


rule("rp-rce-052", "PHP configuration directive that enables code execution", "php_code_injection", "rce",
  [rx(ARGS_C + keys([Q, G, GQ]) + [inp(U, tr=["url_decode_iis"])] + [inp(F)], r"""(?:^|[\s&;+]|-d\s*)(?:allow_url_include|allow_url_fopen|auto_prepend_file|auto_append_file|disable_functions|open_basedir|cgi\.force_redirect|cgi\.redirect_status_env|safe_mode|suhosin\.[\w.]+|enable_dl|extension_dir|opcache\.[\w.]+|session\.save_path|error_log|include_path)\s*=""")], tr=["url_decode_iis"])
rule("rp-rce-053", "Timing or discovery probe, or a backquoted command, as the whole value", "command_injection", "rce",
  [rx(ARGS_C + keys([Q, B]), r"""^\s*['"]?\s*(?:sleep\s+\d+(?:\.\d+)?|which\s+(?:curl|wget|nc|ncat|netcat|python[23]?|perl|bash|sh|gcc|cc|php|ruby|socat|telnet|nmap|busybox)|timeout\s+\d+\s+\S+)\s*['"]?\s*;?\s*$|^\s*`\s*(?:ping|nslookup|dig|curl|wget|id|whoami|uname|cat|ls|sleep|echo|host|nc)\b[^`]*`\s*$""")], tr=RCE_TR)
# sqlite3's dot commands after a statement separator (.shell and .system
# run programs), globbed file paths after a file command, a subshell whose
# output is redirected, and /dev/tcp reached through a variable.
rule("rp-rce-054", "sqlite3 shell command, globbed path, subshell redirection or /dev/tcp through a variable", "command_injection", "rce",
  [rx(RCE_IN, r"""(?:^|[;\n])\s*\.\s*\\?['"]?(?:sh|shell|system|databases|tables|import|output|once|load|read|dump|schema)\b|(?:^|[^\w\\])\\[nr]\s*(?:/?(?:usr/)?s?bin/)?(?:id|whoami|uname|ls|cat|pwd|ifconfig|ps|env|hostname|netstat|curl|wget|sh|bash|nc)(?:\s+-{1,2}\w+)*\s*(?:$|[;&|'"]|\\[nr])|\b(?:cat|ls|head|tail|more|less|nl|tac|strings|od|xxd|base64|cp|mv|rm|sh|bash|grep|vi|vim|file|stat|find)\s+/?(?:[a-z.]*[*?][a-z.*?]*/)+|\(\s*(?:ba|z|k|da)?sh\s*\)\s*\d*\s*[<>]|\$\{?[a-z_]\w*\}?/(?:tcp|udp)/\d""")], tr=RCE_TR)
# Windows commands that are not English words, after a shell control
# operator: alone, or with a drive, a switch or an environment variable.
rule("rp-rce-051", "Windows command after a shell control operator", "command_injection", "rce",
  [rx(RCE_IN + RCE_RAW, PRE + r"""(?:dir|sysinfo|systeminfo|tasklist|ipconfig|whoami|hostname|wmic|net\s+(?:user|localgroup|share|view))(?:\.exe)?(?:\s*(?:$|[&|;\n\r<>]|\\[nr])|\s+(?:[a-z]:|/[a-z]\b|%\w+%|\\\\))""")], tr=RCE_TR)
# Overlong and invalid UTF-8 percent-encodings (%c0%ae, %e0%80%af,
# %f0%80%80%ae...) and the private-use or look-alike code points IIS maps to
# path separators: no valid client encodes text so; traversal tools do.
OVERLONG = r"""(?:%c[01]%[0-9a-z]{1,2}|%e0%[89][0-9a-f]%[0-9a-f]{2}|%f0%8[0-9a-f](?:%[0-9a-f]{2}){2}|%f8%[89ab][0-9a-f](?:%[0-9a-f]{2}){3}|%fc%[89ab][0-9a-f](?:%[0-9a-f]{2}){4})"""
rule("rp-lfi-008", "Overlong UTF-8 or look-alike separator encoding (path traversal evasion)", "lfi", "lfi",
  [rx([inp(U)] + [inp(a, tr=["remove_nulls"]) for a in (Q, B, C, P)] + ALLH, r"""(?:""" + OVERLONG + r""".{0,12}){2}|""" + OVERLONG + r""".{0,12}(?:etc|windows|winnt|boot\.ini|passwd|win\.ini|system32)|%(?:25)?u(?:efc8|f025|2215|2216|ff0f|ff3c)""")], tr=["remove_nulls"])
# UTF-7 encoded markup: '<' and '>' as +ADw- and +AD4-, which a page
# served or sniffed as UTF-7 turns back into tags.
rule("rp-xss-008", "UTF-7 encoded markup", "xss", "xss",
  [rx(ARGS_C + ALLH + keys([Q, B]) + [inp(U, tr=["url_decode_iis"])], r"""(?:\+|%2b)ad[w4]-[^+%]{0,40}(?:\+|%2b)ad[w4]-|(?:\+|%2b)adw-\s*/?\s*(?:script|img|svg|iframe|a|body|x)\b""")])
# Tag names spelled with spaces between their letters, which some
# filters collapse and old parsers accepted.
SPACED = "|".join(r"\s+".join(t) for t in ["script", "form", "iframe", "dialog", "object", "embed", "svg", "img", "button", "input", "style", "frameset", "meta", "link", "body"])
rule("rp-xss-009", "HTML tag with spaces between the letters of its name", "xss", "xss",
  [rx(XSS_IN, r"""<\s*/?\s*(?:""" + SPACED + r""")(?:\s*[>/=]|\s+\w+\s*[=>])|(?:^|[^\s<])<\s*/?\s*(?:""" + SPACED + r""")\s*$""")], tr=XSS_TR)
# Apache mod_proxy's unix: socket target ("unix:/path|http://host/"),
# which lets a request reach any backend.
rule("rp-ssrf-005", "Proxy target through a Unix socket path (unix:...|scheme://)", "ssrf", "ssrf",
  [rx(ARGS_C + keys([Q]) + [inp(U, tr=["url_decode_iis"])], r"""\bunix:[^|\s]*\|\s*(?:https?|h2c?|wss?|fcgi|ajp|scgi|uwsgi)://""")], tr=["url_decode_iis"])
# Database files and dumps requested by path.
rule("rp-probe-004", "Probe for a database file or dump", "security_scanner", "scanner",
  [rx(PROBE_IN, r"""^[^?#]*/[^/?#]+\.(?:sql|sqlite3?|db3?|rdb|mdb|accdb|dbf|mdf|ldf|dump|frm|ibd|myd)(?:\.(?:gz|zip|bz2|xz|7z|tar|tgz))?(?:$|[?#])""")])

# ---------------------------------------------------------------- GraphQL abuse (opt-in policy)
# Disabled in the default ruleset: schema introspection, deep nesting and
# alias or operation batching are legitimate in development and for some
# clients. A ruleset turns them on with a rules_override targeting the tag
# policy: graphql (docs/waf.md).
GQL_IN = [inp(B, ["query"]), inp(Q, ["query"])]
def gql(id, name, regex):
    rule(id, name, "graphql_abuse", "protocol", [rx(GQL_IN, regex)])
    rules[-1]["tags"]["policy"] = "graphql"
    rules[-1]["enabled"] = False
gql("rp-graphql-001", "GraphQL schema introspection (__schema, __type)", r"""\b__schema\s*\{|\b__type\s*\(""")
gql("rp-graphql-002", "GraphQL query nested more than 10 levels deep", r"""(?:\{[^{}]*){11}""")
gql("rp-graphql-003", "GraphQL alias batching: 15 or more aliased fields in one query", r"""(?:\b[a-z_]\w*\s*:\s*[a-z_]\w*\s*[({][\s\S]*?){15}""")
gql("rp-graphql-004", "GraphQL operation batching: 5 or more operations in one document", r"""(?:\b(?:query|mutation|subscription)\b[^{]*\{[\s\S]*?){5}""")

# ---------------------------------------------------------------- blocking lists
rules.append({"id": "rp-block-ip", "name": "Blocked client IP address", "tags": {"type": "block_ip", "category": "security_response"},
              "conditions": [{"operator": "ip_match", "parameters": {"inputs": [{"address": "http.client_ip"}], "data": "blocked_ips"}}],
              "transformers": [], "on_match": ["block"]})
rules.append({"id": "rp-block-user", "name": "Blocked user", "tags": {"type": "block_user", "category": "security_response"},
              # usr.id, or the login (lower-cased, as the collector's decisions
              # name an account whose id the application did not give)
              "conditions": [{"operator": "exact_match", "parameters": {"inputs": [{"address": "usr.id"}, {"address": "usr.login", "transformers": ["lowercase"]}], "data": "blocked_users"}}],
              "transformers": [], "on_match": ["block"]})

# Policy, protocol-conformance and reconnaissance rules are marked of low
# confidence: they block, but run after the injection rules, so that a
# request that runs out of its time budget loses them first.
# Only rules that read the request line and headers are so marked: a rule
# of the second pass that read the body would walk it a second time.
LOW_CONFIDENCE = {"rp-proto-004", "rp-proto-005", "rp-proto-006", "rp-proto-008",
                  "rp-proto-011", "rp-proto-012", "rp-proto-013", "rp-proto-014", "rp-proto-015", "rp-proto-016",
                  "rp-proto-019", "rp-proto-022", "rp-probe-001", "rp-probe-002", "rp-probe-003",
                  "rp-probe-004", "rp-scanner-001"}
for r in rules:
    if r["id"] in LOW_CONFIDENCE:
        r["tags"]["confidence"] = "0"
assert LOW_CONFIDENCE <= {r["id"] for r in rules}

out = {"version": "2.2", "metadata": {"rules_version": "0.1.0"}, "rules": rules,
       "rules_data": [{"id": "blocked_ips", "type": "ip_with_expiration", "data": []},
                      {"id": "blocked_users", "type": "data_with_expiration", "data": []}],
       "actions": [{"id": "block", "type": "block_request", "parameters": {"status_code": 403, "type": "auto", "grpc_status_code": 7}}]}
# One rule per line, without the indentation: the file stays readable in a
# diff, and the bytes a cold start parses are a quarter fewer.
with open(sys.argv[1] if len(sys.argv) > 1 else "../../default.json", "w") as f:
    compact = lambda v: json.dumps(v, separators=(",", ":"))
    f.write('{"version": %s, "metadata": %s, "rules": [\n' % (compact(out["version"]), compact(out["metadata"])))
    f.write(",\n".join(compact(r) for r in out["rules"]))
    f.write("\n]")
    for k, v in out.items():
        if k not in ("version", "metadata", "rules"):
            f.write(", %s: %s" % (compact(k), compact(v)))
    f.write("}")
print(len(rules), "rules")
json.dump(CHUNKS, open("chunks.json", "w"))
