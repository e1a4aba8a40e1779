#!/usr/bin/env bash
# ELF tests: builds a tiny static program with the host compiler, then checks that
# `bastion build` writes a spec that a reader written against spec.h accepts, that setvar
# symbols are patched, and that every image error is reported at the right place.
#
#   run-elf.sh BASTION WORKDIR CC
set -uo pipefail

tool=$1 work=$2 cc=$3
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work" && mkdir -p "$work"
cp "$here/elf/system.xml" "$here/elf/vm.xml" "$work/"
cd "$work" || exit 1

link=(-nostdlib -static -no-pie -fno-pic -fno-stack-protector -O1
      -Wl,-z,max-page-size=0x1000 -Wl,--build-id=none)
if ! "$cc" "${link[@]}" -Wl,-Ttext=0x400000 -o prog.elf "$here/elf/prog.c"; then
    echo "FAIL: elf/compile: cannot build the test program with $cc"
    exit 1
fi
"$cc" -std=c11 -Wall -Wextra -Werror -I"$here/../../include" -o spec_dump "$here/spec_dump.c" ||
    { echo "FAIL: elf/spec_dump: cannot build the spec reader"; exit 1; }

# expect NAME WANT_STATUS WANT_STDERR COMMAND...: runs COMMAND, compares status and stderr.
expect() {
    local name=$1 want_status=$2 want=$3
    shift 3
    local got status
    got=$("$@" 2>&1 >/dev/null)
    status=$?
    if [[ $status -ne $want_status ]]; then
        echo "FAIL: elf/$name: exit status $status, expected $want_status: $got"
    elif [[ "$got" != "$want" ]]; then
        echo "FAIL: elf/$name: got '$got', expected '$want'"
    else
        echo "PASS: elf/$name"
    fi
}

expect build 0 "" "$tool" build system.xml -o image --json image/system.json --report image/report.txt
if ./spec_dump image/system.spec >dump.txt; then
    echo "PASS: elf/spec-valid"
else
    echo "FAIL: elf/spec-valid: $(cat dump.txt)"
fi
grep -qx "patches 1" dump.txt && echo "PASS: elf/boot-patch" || echo "FAIL: elf/boot-patch: $(tr '\n' ' ' <dump.txt)"
# A guest: its VMS entry (the PD, one vCPU, its one map) and the map at its gpa.
expect build-vm 0 "" "$tool" build vm.xml -o image-vm --report image-vm/report.txt
./spec_dump image-vm/system.spec >dump-vm.txt
grep -qx "vm guest0 pd 0 vcpus 1 maps 0+1" dump-vm.txt &&
    grep -qx "vm_map 0 region 0 gpa 0x200000 perms 3" dump-vm.txt &&
    echo "PASS: elf/virtual-machine" || echo "FAIL: elf/virtual-machine: $(tr '\n' ' ' <dump-vm.txt)"
grep -q "guest0, run by app: 1 vcpu, VCPU in slot 9, GSPACE in slot 10" image-vm/report.txt &&
    grep -q "gpa     0x000000200000-0x0000005fffff rw  guest" image-vm/report.txt &&
    echo "PASS: elf/virtual-machine-report" || echo "FAIL: elf/virtual-machine-report"
sym() { nm prog.elf | awk -v s="$1" '$3 == s { print "0x" $1 }'; }
v=$(./spec_dump image/system.spec --peek app "$(sym buf_vaddr)")
[[ $v == 0x1000000 ]] && echo "PASS: elf/setvar-vaddr" || echo "FAIL: elf/setvar-vaddr: $v"
v=$(./spec_dump image/system.spec --peek app "$(sym buf_paddr)")
[[ $v == 0x80000000 ]] && echo "PASS: elf/setvar-paddr" || echo "FAIL: elf/setvar-paddr: $v"
grep -q '"loaded": true' image/system.json && echo "PASS: elf/json-loaded" || echo "FAIL: elf/json-loaded"

# <setvar>: the 64-bit little-endian value in the image, first octet most significant.
# net_mac starts in .data (initialised), net_ip and all_ones in .bss (the file part grows).
# bytes NAME SYMBOL WANT: the 8 bytes the spec's image of `app` holds at SYMBOL.
bytes() {
    local got
    got=$(./spec_dump image/system.spec --bytes app "$(sym "$2")")
    [[ $got == "$3" ]] && echo "PASS: elf/$1" || echo "FAIL: elf/$1: bytes '$got', expected '$3'"
}
bytes setvar-mac net_mac "56 34 12 00 54 52 00 00"
bytes setvar-ipv4 net_ip "0f 02 00 0a 00 00 00 00"
bytes setvar-value all_ones "ff ff ff ff ff ff ff ff"
v=$(./spec_dump image/system.spec --peek app "$(sym net_mac)")
[[ $v == 0x525400123456 ]] && echo "PASS: elf/setvar-mac-number" || echo "FAIL: elf/setvar-mac-number: $v"
# ...and the outputs show them.
tr -d ' \n' <image/system.json | grep -q '"setvars":\[{"symbol":"net_mac","kind":"mac","mac":"52:54:00:12:34:56","value":"0x525400123456"},{"symbol":"net_ip","kind":"ipv4","ipv4":"10.0.2.15","value":"0xa00020f"},{"symbol":"all_ones","kind":"value","value":"0xffffffffffffffff"}\]' &&
    echo "PASS: elf/setvar-json" || echo "FAIL: elf/setvar-json: $(grep -A3 setvars image/system.json | tr -d '\n')"
grep -qx "      setvar  net_mac              = 0x0000525400123456 (mac 52:54:00:12:34:56)" image/report.txt &&
    grep -qx "      setvar  net_ip               = 0x000000000a00020f (ipv4 10.0.2.15)" image/report.txt &&
    grep -qx "      setvar  all_ones             = 0xffffffffffffffff" image/report.txt &&
    echo "PASS: elf/setvar-report" || echo "FAIL: elf/setvar-report: $(grep setvar image/report.txt | tr '\n' '|')"
expect check-with-image 0 "" "$tool" check system.xml

# variant NAME SED-EXPRESSION: a copy of system.xml changed by sed.
variant() { sed "$2" system.xml >"$1.xml"; }

variant missing-symbol 's/setvar_vaddr="buf_vaddr"/setvar_vaddr="nope"/'
expect missing-symbol 1 "missing-symbol.xml:7:52: error: <map> in protection_domain 'app': symbol 'nope' is not in program image 'prog.elf'; define it in the program as \`uintptr_t nope;\`" \
    "$tool" check missing-symbol.xml
variant wrong-size 's/setvar_paddr="dma_paddr"/setvar_paddr="small_var"/'
expect wrong-size 1 "wrong-size.xml:8:37: error: <map> in protection_domain 'app': symbol 'small_var' of program image 'prog.elf' is 4 bytes, but setvar writes an 8-byte address; declare it as \`uintptr_t small_var;\`" \
    "$tool" check wrong-size.xml
variant setvar-missing-symbol 's/symbol="net_ip"/symbol="nope"/'
expect setvar-missing-symbol 1 "setvar-missing-symbol.xml:10:13: error: <setvar> in protection_domain 'app': symbol 'nope' is not in program image 'prog.elf'; define it in the program as \`uint64_t nope;\`" \
    "$tool" check setvar-missing-symbol.xml
variant setvar-wrong-size 's/symbol="net_ip"/symbol="small_var"/'
expect setvar-wrong-size 1 "setvar-wrong-size.xml:10:13: error: <setvar> in protection_domain 'app': symbol 'small_var' of program image 'prog.elf' is 4 bytes, but setvar writes an 8-byte value; declare it as \`uint64_t small_var;\`" \
    "$tool" check setvar-wrong-size.xml
variant setvar-function 's/symbol="net_ip"/symbol="_start"/'
expect setvar-function 1 "setvar-function.xml:10:13: error: <setvar> in protection_domain 'app': symbol '_start' of program image 'prog.elf' is a function, not a variable; setvar needs a global variable, declare it as \`uint64_t _start;\`" \
    "$tool" check setvar-function.xml
variant setvar-static 's/symbol="net_ip"/symbol="local_var"/'
expect setvar-static 1 "setvar-static.xml:10:13: error: <setvar> in protection_domain 'app': symbol 'local_var' of program image 'prog.elf' is a static (file-local) variable, whose value the compiler may assume never changes; setvar needs a global variable, declare it as \`uint64_t local_var;\`" \
    "$tool" check setvar-static.xml
variant setvar-const 's/symbol="net_ip"/symbol="ro_var"/'
expect setvar-const 1 "setvar-const.xml:10:13: error: <setvar> in protection_domain 'app': symbol 'ro_var' of program image 'prog.elf' is in a read-only segment: the compiler may have used its initial value in the code; declare it without const, as \`uint64_t ro_var;\`" \
    "$tool" check setvar-const.xml
variant setvar-twice 's/symbol="net_ip"/symbol="buf_vaddr"/'
expect setvar-twice 1 "setvar-twice.xml:10:13: error: <setvar> in protection_domain 'app': symbol 'buf_vaddr' is already set by the <map> at line 7; a variable can be set only once, use another symbol" \
    "$tool" check setvar-twice.xml
variant map-static 's/setvar_paddr="dma_paddr"/setvar_paddr="local_var"/'
expect map-static 1 "map-static.xml:8:37: error: <map> in protection_domain 'app': symbol 'local_var' of program image 'prog.elf' is a static (file-local) variable, whose value the compiler may assume never changes; setvar needs a global variable, declare it as \`uintptr_t local_var;\`" \
    "$tool" check map-static.xml
variant overlap 's/vaddr="0x2000000"/vaddr="0x400000"/'
expect overlap-image 1 "overlap.xml:8:19: error: <map> in protection_domain 'app': vaddr range 0x400000-0x400fff overlaps the segment 0x400000-0x400fff of program image 'prog.elf'; move the mapping to 0x401000 or above" \
    "$tool" check overlap.xml
echo "not an elf" >text.elf
variant not-elf 's/prog.elf/text.elf/'
expect not-elf 1 "not-elf.xml:6:20: error: <program_image> in protection_domain 'app': program image 'text.elf' is not an ELF file; give the linked program" \
    "$tool" check not-elf.xml
"$cc" "${link[@]}" -Wl,-Ttext=0x1000 -o low.elf "$here/elf/prog.c" 2>/dev/null
variant low 's/prog.elf/low.elf/'
got=$("$tool" check low.xml 2>&1)
# Every segment is outside: one cause, so one message (issue 27), not one per segment.
if [[ $? -eq 1 && $(wc -l <<<"$got") -eq 1 &&
      $got == "low.xml:6:20: error: <program_image> in protection_domain 'app': program image 'low.elf' has a segment at 0x"*" (and "*" more) outside the user address range"* ]]; then
    echo "PASS: elf/segment-outside"
else
    echo "FAIL: elf/segment-outside: $got"
fi
"$cc" -nostdlib -shared -fPIC -o shared.elf "$here/elf/prog.c" 2>/dev/null
variant shared 's/prog.elf/shared.elf/'
expect not-exec 1 "shared.xml:6:20: error: <program_image> in protection_domain 'app': program image 'shared.elf' is not a static executable (ELF type 3, need ET_EXEC); link it with -static -no-pie" \
    "$tool" check shared.xml
variant absent 's/prog.elf/absent.elf/'
expect check-quiet 0 "" "$tool" check system.xml
expect check-skips-missing 0 "absent.xml:6:20: warning: <program_image> in protection_domain 'app': program image 'absent.elf' is not in the search path (.), so it was not checked; build the programs first, or \`bastion build\` will report it" \
    "$tool" check absent.xml
expect build-needs-image 1 "absent.xml:6:20: error: <program_image> in protection_domain 'app': program image 'absent.elf' is not found in the search path (.); build it, or add its directory with --search-path" \
    "$tool" build absent.xml -o image2
mkdir -p sub && cp prog.elf sub/
variant moved 's/prog.elf/prog.elf/'
expect search-path 0 "" "$tool" build moved.xml -o image3 --search-path nowhere --search-path sub

# Paths are confined to the search path (issue 27): absolute names, '..' and symbolic
# links that lead out are refused at the element, unless --allow-outside-paths.
mkdir -p confined && cp system.xml confined/ && ln -sf ../prog.elf confined/link.elf
sed "s|prog.elf|$PWD/prog.elf|" system.xml >confined/absolute.xml
sed 's|prog.elf|../prog.elf|' system.xml >confined/parent.xml
sed 's|prog.elf|link.elf|' system.xml >confined/link.xml
refused="and files are read only from inside the search path (confined); name it relative to a --search-path directory, or pass --allow-outside-paths"
expect image-absolute-refused 1 "confined/absolute.xml:6:20: error: <program_image> in protection_domain 'app': program image '$PWD/prog.elf' is an absolute path, $refused" \
    "$tool" check confined/absolute.xml
expect image-parent-refused 1 "confined/parent.xml:6:20: error: <program_image> in protection_domain 'app': program image '../prog.elf' climbs out with '..', $refused" \
    "$tool" build confined/parent.xml -o image4
[[ ! -e image4/system.spec ]] && echo "PASS: elf/image-parent-no-spec" || echo "FAIL: elf/image-parent-no-spec"
expect image-link-refused 1 "confined/link.xml:6:20: error: <program_image> in protection_domain 'app': program image 'link.elf' is a symbolic link that leads outside it, $refused" \
    "$tool" check confined/link.xml
expect image-absolute-allowed 0 "" "$tool" build confined/absolute.xml -o image5 --allow-outside-paths
expect image-parent-allowed 0 "" "$tool" check confined/parent.xml --allow-outside-paths
expect image-link-allowed 0 "" "$tool" check confined/link.xml --allow-outside-paths
mkdir -p dir.elf
variant directory 's/prog.elf/dir.elf/'
expect image-is-directory 1 "directory.xml:6:20: error: <program_image> in protection_domain 'app': program image 'dir.elf' is a directory (in the search path .); name the file inside it" \
    "$tool" check directory.xml

# Atomic output (issue 27): a build that fails leaves no system.spec from an earlier one
# (a make rule would take it for current), and a good build leaves no temporary file.
expect rebuild 0 "" "$tool" build system.xml -o image6 --json image6/system.json
[[ -z $(find image6 -name '*.tmp-*') ]] && echo "PASS: elf/no-temporary-left" ||
    echo "FAIL: elf/no-temporary-left: $(ls image6)"
expect failed-rebuild 1 "overlap.xml:8:19: error: <map> in protection_domain 'app': vaddr range 0x400000-0x400fff overlaps the segment 0x400000-0x400fff of program image 'prog.elf'; move the mapping to 0x401000 or above" \
    "$tool" build overlap.xml -o image6 --json image6/system.json
[[ ! -e image6/system.spec && ! -e image6/system.json ]] && echo "PASS: elf/failed-build-removes-stale-outputs" ||
    echo "FAIL: elf/failed-build-removes-stale-outputs: $(ls image6)"

# The kernel image copy in a domain's colours (--kernel; tests/tool/elf/colour-fit.xml):
# a "kernel" of N pages is the test program with the two symbols that bound the kernel's
# code and read-only data. 64 pages fill d0's colours exactly; 65, or one page more of
# the region, are refused at the domain; without --kernel the copy is not counted (and
# that is warned about), so the larger region passes.
fake_kernel() {
    "$cc" "${link[@]}" -Wl,-Ttext=0x400000 -Wl,--defsym=_kernel_text_start=0x1000000 \
        -Wl,--defsym=_kernel_rodata_end=$((0x1000000 + $1 * 4096)) -o "kernel$1.elf" \
        "$here/elf/prog.c" || echo "FAIL: elf/kernel$1: cannot link a fake kernel"
}
fake_kernel 64
fake_kernel 65
mkdir -p fit && cp "$here/elf/colour-fit.xml" fit/ &&
    sed 's/size="0x1d000"/size="0x1e000"/' fit/colour-fit.xml >fit/colour-fit-page-more.xml
absent="warning: <program_image> in protection_domain 'a': program image 'absent.elf' (and 1 more) is not in the search path (fit), so it was not checked; build the programs first, or \`bastion build\` will report it"
fit_error="fit/colour-fit.xml:17:37: error: <domain> 'd0' in <domain_schedule>: colours: the domain's frames, page tables and kernel objects and its copy of the kernel image"
# fit_case NAME STATUS WANT XML ARGS...: status, and stderr has WANT (a prefix of a line).
fit_case() {
    local name=$1 want_status=$2 want=$3 xml=$4 got status
    shift 4
    got=$("$tool" check "fit/$xml" "$@" 2>&1 >/dev/null)
    status=$?
    if [[ $status -ne $want_status ]]; then
        echo "FAIL: elf/$name: exit status $status, expected $want_status: $got"
    elif ! grep -qF -- "$want" <<<"$got"; then
        echo "FAIL: elf/$name: no '$want' in: $got"
    elif [[ $want_status -eq 0 ]] && grep -q "error:" <<<"$got"; then
        echo "FAIL: elf/$name: an error: $got"
    else
        echo "PASS: elf/$name"
    fi
}
fit_case colour-kimage-fits-exactly 0 "$absent" colour-fit.xml --kernel kernel64.elf
fit_case colour-kimage-page-short 1 "$fit_error (0x7" colour-fit.xml --kernel kernel65.elf
fit_case colour-region-page-short 1 "${fit_error/colour-fit.xml/colour-fit-page-more.xml} (0x7" \
    colour-fit-page-more.xml --kernel kernel64.elf
fit_case colour-kimage-not-counted 0 "warning: <domain_schedule>: colours: init makes a copy of the kernel image (code and read-only data) from each coloured domain's colours, and without the kernel (--kernel FILE) it is not counted here" \
    colour-fit-page-more.xml
fit_case colour-kimage-counted-no-warning 0 "$absent" colour-fit.xml --kernel kernel64.elf
"$tool" check fit/colour-fit.xml --kernel kernel64.elf 2>&1 | grep -q "not counted" &&
    echo "FAIL: elf/colour-kimage-warning-with-kernel" || echo "PASS: elf/colour-kimage-warning-with-kernel"
# A VMM PD's guest objects (GSPACE, VCPU, guest page tables) in its domain's colours
# (tests/tool/elf/colour-fit-guest.xml): the 80 KiB region fits beside them, one page more
# does not (a replay that left the guest out would pass it: colour-fit.xml fits 116 KiB).
cp "$here/elf/colour-fit-guest.xml" fit/ &&
    sed 's/size="0x14000"/size="0x15000"/' fit/colour-fit-guest.xml >fit/colour-fit-guest-page-more.xml
fit_case colour-guest-fits 0 "$absent" colour-fit-guest.xml --kernel kernel64.elf
fit_case colour-guest-page-short 1 "fit/colour-fit-guest-page-more.xml:21:37: error: <domain> 'd0' in <domain_schedule>: colours: the domain's frames, page tables and kernel objects and its copy of the kernel image (0x7" \
    colour-fit-guest-page-more.xml --kernel kernel64.elf
expect kernel-not-elf 1 "bastion: error: kernel 'text.elf': not an ELF file; give the linked program" \
    "$tool" check fit/colour-fit.xml --kernel text.elf
expect kernel-no-symbols 1 "bastion: error: kernel 'prog.elf': it has no symbols _kernel_text_start and _kernel_rodata_end; is it the Bastion kernel's ELF (bastion.elf, not bastion.bin), not stripped?" \
    "$tool" check fit/colour-fit.xml --kernel prog.elf
