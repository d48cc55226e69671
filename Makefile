# socktrace: plain GNU make.  `make` builds everything into build/,
# `make test` (alias check) builds and runs every test, `make bench` runs the
# benchmark, `make demo` traces an example client and server and draws them.

CC      ?= cc
PREFIX  ?= /usr/local
DESTDIR ?=
B       := build

WARN    := -Wall -Wextra -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
           -Wwrite-strings -Wformat=2 -Wimplicit-fallthrough
ifeq ($(WERROR),1)
WARN    += -Werror
endif
OPT     ?= -O2 -g
CFLAGS  ?=
BASEFLAGS := -std=gnu11 $(OPT) $(WARN) -Icommon -MMD -MP -D_GNU_SOURCE
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

COMMON_SRC  := $(wildcard common/*.c)
LAUNCH_SRC  := $(wildcard launcher/*.c)
LIB_SRC     := $(wildcard preload/*.c)
# The viewer's rooms, in the order data flows through them.
VIEW_ROOMS  := read model proto render
VIEW_LIBSRC := $(foreach r,$(VIEW_ROOMS),$(wildcard viewer/$(r)/*.c))
VIEW_SRC    := viewer/main.c $(VIEW_LIBSRC)
EX_SRC      := $(wildcard examples/*.c)
TEST_SRC    := $(wildcard tests/test_*.c)
PROG_SRC    := $(wildcard tests/progs/*.c)
BENCH_SRC   := $(wildcard bench/*.c)

# The library needs no JSON reader.
COMMON_PIC  := $(patsubst %.c,$(B)/pic/%.o,$(filter-out common/json.c,$(COMMON_SRC)))
LIB_OBJ     := $(LIB_SRC:%.c=$(B)/pic/%.o)
VIEW_OBJ    := $(VIEW_SRC:%.c=$(B)/obj/%.o) $(COMMON_SRC:%.c=$(B)/obj/%.o)
SAN_OBJ     := $(VIEW_LIBSRC:%.c=$(B)/asan/%.o) $(COMMON_SRC:%.c=$(B)/asan/%.o)
EXAMPLES    := $(EX_SRC:examples/%.c=$(B)/examples/%)
TESTS       := $(TEST_SRC:tests/%.c=$(B)/tests/%)
PROGS       := $(PROG_SRC:tests/progs/%.c=$(B)/tests/progs/%)
BENCHES     := $(BENCH_SRC:bench/%.c=$(B)/bench/%)

all: $(B)/libtrace.so $(B)/socktrace $(B)/sockview $(EXAMPLES)

# The library: hidden visibility, and a version script exporting only the
# wrapped names, so nothing of ours clashes with the traced program.  The
# script is made from the CALL rows of common/calls.def.
LIB_MAP     := $(B)/libtrace.map
LIB_CFLAGS  := -fPIC -fvisibility=hidden -ftls-model=initial-exec
LIB_LDFLAGS := -shared -Wl,--version-script=$(LIB_MAP) \
               -Wl,-z,now -Wl,-z,relro -Wl,--no-undefined
LIB_LIBS    := -ldl -lpthread

$(B)/libtrace.so: $(LIB_OBJ) $(COMMON_PIC) $(LIB_MAP)
	$(CC) $(LIB_LDFLAGS) -o $@ $(LIB_OBJ) $(COMMON_PIC) $(LIB_LIBS)

$(LIB_MAP): common/calls.def
	@mkdir -p $(dir $@)
	$(CC) -E -P -x c -D'CALL(name,group,frame,view)=name;' -o $@.names $<
	{ echo '/* Made from common/calls.def by the Makefile. */'; \
	  echo '{'; echo 'global:'; grep -v '^ *$$' $@.names; \
	  echo 'local:'; echo '	*;'; echo '};'; } > $@.tmp
	rm -f $@.names && mv $@.tmp $@

# The benchmark's cost floor: the same library with records dropped before
# they are built (ST_TIME_ONLY, see bench/README.md).  Never installed.
FLOOR_OBJ   := $(LIB_SRC:%.c=$(B)/pic-timeonly/%.o)
$(B)/bench/libtrace-timeonly.so: $(FLOOR_OBJ) $(COMMON_PIC) $(LIB_MAP)
	$(CC) $(LIB_LDFLAGS) -o $@ $(FLOOR_OBJ) $(COMMON_PIC) $(LIB_LIBS)

$(B)/pic-timeonly/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) $(LIB_CFLAGS) -DST_TIME_ONLY $(CFLAGS) -c -o $@ $<

$(B)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) $(LIB_CFLAGS) $(CFLAGS) -c -o $@ $<

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) -Iviewer $(CFLAGS) -c -o $@ $<

$(B)/asan/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) -Iviewer $(SAN) $(CFLAGS) -c -o $@ $<

# The page of sockview --html: its CSS, body and script, written as files
# in viewer/render/html/, become C strings in a generated header.
HTML_ASSETS := viewer/render/html/page.css viewer/render/html/page.html viewer/render/html/page.js
$(B)/gen/html_assets.h: $(HTML_ASSETS)
	@mkdir -p $(dir $@)
	{ for v in css:page.css body:page.html js:page.js; do \
	    printf 'static const char st_html_%s[] =\n' "$${v%%:*}"; \
	    sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' \
	        viewer/render/html/$${v#*:}; \
	    printf ';\n'; \
	  done; } > $@.tmp && mv $@.tmp $@
$(B)/obj/viewer/render/html.o $(B)/asan/viewer/render/html.o: $(B)/gen/html_assets.h
$(B)/obj/viewer/render/html.o $(B)/asan/viewer/render/html.o: CFLAGS += -I$(B)/gen

# The launcher looks for libtrace.so beside itself, then under the prefix.
$(B)/obj/launcher/socktrace.o: CFLAGS += -DST_LIBDIR='"$(PREFIX)/lib/socktrace"'
$(B)/socktrace: $(LAUNCH_SRC:%.c=$(B)/obj/%.o) $(COMMON_SRC:%.c=$(B)/obj/%.o)
	$(CC) -o $@ $^ -lpthread

$(B)/sockview: $(VIEW_OBJ)
	$(CC) -o $@ $^ -lm -lpthread

# The viewer again under ASan/UBSan, for the bad-input tests.
$(B)/asan/sockview: $(B)/asan/viewer/main.o $(SAN_OBJ)
	$(CC) $(SAN) -o $@ $^ -lm -lpthread

$(B)/examples/%: examples/%.c
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) $(CFLAGS) -o $@ $< -lpthread

$(B)/bench/%: bench/%.c
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) $(CFLAGS) -o $@ $< -lpthread

# genlog writes records with the shared record writer.
$(B)/bench/genlog: bench/genlog.c $(B)/obj/common/record.o
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) $(CFLAGS) -o $@ $^ -lpthread

# Unit and integration tests: cmocka, built with the sanitizers, linked with
# the pure modules and the viewer's library part.
$(B)/tests/%: tests/%.c $(wildcard tests/*.h) $(SAN_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) -Iviewer -Itests $(SAN) $(CFLAGS) \
	    -DST_BUILD_DIR='"$(abspath $(B))"' -DST_SRC_DIR='"$(abspath .)"' \
	    -o $@ $< $(SAN_OBJ) -lcmocka -lpthread -lm

# test_binary links the launcher's ELF reader.
$(B)/tests/test_binary: tests/test_binary.c $(wildcard tests/*.h) $(B)/asan/launcher/binary.o $(SAN_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) -Iviewer -Itests -Ilauncher $(SAN) $(CFLAGS) \
	    -DST_BUILD_DIR='"$(abspath $(B))"' -DST_SRC_DIR='"$(abspath .)"' \
	    -o $@ $< $(B)/asan/launcher/binary.o $(SAN_OBJ) -lcmocka -lpthread -lm

# Helper programs the integration tests run under the library (not sanitized:
# they are the traced programs).
$(B)/tests/progs/%: tests/progs/%.c
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) $(CFLAGS) -o $@ $< -lpthread

# The npm tools the export tests drive (mermaid-cli, puppeteer-core), at
# pinned versions, with Debian's chromium (tests/tools/install.sh).
TOOLS_STAMP := tests/tools/node_modules/.socktrace-installed
$(TOOLS_STAMP): tests/tools/package.json tests/tools/package-lock.json tests/tools/install.sh
	tests/tools/install.sh

# The libFuzzer harness of the ring and log join (tests/fuzz/fuzz_ring.c),
# built with clang; tests/test_fuzz_ring.c runs it for a bounded time.
FUZZ_CC ?= clang
$(B)/fuzz/fuzz_ring: tests/fuzz/fuzz_ring.c $(COMMON_SRC) $(wildcard common/*.h common/*.def)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=gnu11 -O1 -g -D_GNU_SOURCE -Icommon \
	    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	    -o $@ $< $(COMMON_SRC)

# The protocol readers' harness (tests/fuzz/fuzz_proto.c), run by
# tests/test_fuzz_proto.c.
$(B)/fuzz/fuzz_proto: tests/fuzz/fuzz_proto.c $(wildcard viewer/proto/*.c viewer/proto/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=gnu11 -O1 -g -D_GNU_SOURCE -Icommon -Iviewer \
	    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	    -o $@ $< $(wildcard viewer/proto/*.c)

test check: all $(TESTS) $(PROGS) $(B)/asan/sockview $(B)/bench/genlog $(TOOLS_STAMP) \
	    $(B)/fuzz/fuzz_ring $(B)/fuzz/fuzz_proto
	@tests/run.sh $(TESTS)

bench: all $(BENCHES) $(B)/bench/libtrace-timeonly.so
	@bench/run.sh

demo: all
	@tests/demo.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/socktrace $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(B)/socktrace $(B)/sockview $(DESTDIR)$(PREFIX)/bin/
	install -m 0755 $(B)/libtrace.so $(DESTDIR)$(PREFIX)/lib/socktrace/
	install -m 0644 docs/socktrace.1 docs/sockview.1 $(DESTDIR)$(PREFIX)/share/man/man1/

clean:
	rm -rf $(B)

.PHONY: all test check bench demo install clean
.SECONDARY:

-include $(shell find $(B) -name '*.d' 2>/dev/null)
