# A Vivado stand-in for plain tclsh: runs a generated script and answers the commands we use the
# way Vivado 2024.2 does, including where Vivado refuses or stays silent, so a script that would
# fail in Vivado fails here. What it models (each from AMD's guides or FINN's/PYNQ's scripts):
# - IP packaging: an inferred clock interface has no FREQ_HZ bus parameter (set_property on no
#   object is an error); in-memory projects need update_compile_order before packaging; only HDL
#   sources are packaged, memory files only when added to the IP's file groups; component.xml is
#   written with the file groups and the core's properties; package_xo needs an sdx kernel and a
#   kernel argument per AXI-Stream port.
# - Block design: board parts come from the board repository paths (absolute, as given) and
#   Vivado's own catalog; the AXI DMA's parameter ranges (PG021: memory-map width 32..1024 and at
#   least the stream width, DRE only for streams up to 512 bits, address width 32..64);
#   connection automation only on an unconnected interface pin; validate_bd_design checks that
#   every port of the accelerator and the DMA is connected and stream widths agree; a ZU+ PL clock
#   keeps the preset's 100 MHz unless PSU__OVERRIDE__BASIC_CLOCK is 0.
# - Runs: synthesis reads the packaged files; a $readmemh file the HDL names but the IP lacks is
#   Synth 8-4445, a critical warning unless promoted to an error; an unknown ram_style value is
#   reported; the .hwh is written under <project>.gen/.../hw_handoff/ and is not returned by
#   get_files; timing comes from STUB_WNS / STUB_WHS (ns, default 0.5 / 0.05).
# Usage: tclsh vivado_stub.tcl SCRIPT [TCLARGS...]   (the log goes to stdout; exit 1 on an ERROR)
# The scripts' Tcl itself (file, glob, open, ...) is real Tcl, as in Vivado.

namespace eval vv {
    variable props       ;# object -> dict of properties
    variable files {}    ;# project files (absolute), read_verilog or add_files
    variable hdl {}      ;# HDL sources among them
    variable ordered 0   ;# update_compile_order ran after the last file was added
    variable params      ;# set_param values
    variable msg_errors {} ;# message ids promoted to ERROR in this project
    variable project ""  ;# {name dir}
    variable core ""     ;# the IP core being packaged
    variable cells {}    ;# bd cell name -> kind
    variable connected {} ;# connected bd pins (interface and plain)
    variable ipdefs {}   ;# user IP VLNV -> component.xml
    variable runs        ;# run -> dict
    variable opened_run ""
    variable bd ""
    array set props {}
    array set params {}
    array set runs {}
}

proc stub_log {args} { puts "stub: [join $args]" }
proc stub_error {msg} { return -code error "ERROR: $msg" }

# --- objects and properties ------------------------------------------------------------------
proc vv::setp {obj key value} { variable props; dict set props($obj) $key $value }
proc vv::getp {obj key {default ""}} {
    variable props
    if {[info exists props($obj)] && [dict exists $props($obj) $key]} { return [dict get $props($obj) $key] }
    return $default
}
proc vv::hasp {obj key} { variable props; expr {[info exists props($obj)] && [dict exists $props($obj) $key]} }

proc set_property {args} {
    stub_log set_property {*}$args
    set quiet [expr {[lsearch -exact $args -quiet] >= 0}]
    set args [lsearch -all -inline -not -exact $args -quiet]
    if {[lindex $args 0] eq "-dict"} {
        set pairs [lindex $args 1]
        set objects [lindex $args 2]
    } elseif {[lindex $args 0] eq "-name"} {
        set pairs [list [lindex $args 1] [lindex $args 3]]
        set objects [lindex $args 5]
    } else {
        set pairs [list [lindex $args 0] [lindex $args 1]]
        set objects [lindex $args 2]
    }
    if {[llength $objects] == 0} {
        stub_error "\[Common 17-55\] 'set_property' expects at least one object."
    }
    foreach obj $objects {
        foreach {key value} $pairs {
            vv::assign $obj $key $value
        }
    }
    return ""
}

proc get_property {args} {
    set args [lsearch -all -inline -not -exact $args -quiet]
    set key [lindex $args 0]
    set obj [lindex $args 1]
    if {[llength $obj] == 0} { stub_error "\[Common 17-55\] 'get_property' expects at least one object." }
    set obj [lindex $obj 0]
    if {[string match run:* $obj]} { return [vv::run_property [string range $obj 4 end] $key] }
    if {[string match /*/* $obj] && $key eq "CONFIG.FREQ_HZ"} { return [vv::pin_freq $obj] }
    if {![vv::hasp $obj $key]} {
        if {[string match project:* $obj] && $key eq "BOARD_PART_REPO_PATHS"} { return "" }
        stub_error "\[Common 17-58\] '$key' is not a valid property name for $obj"
    }
    return [vv::getp $obj $key]
}

# Property writes with the checks Vivado makes for the objects we configure.
proc vv::assign {obj key value} {
    if {[regexp {^/([^/]+)$} $obj -> cell]} {
        return [vv::configure_cell $cell $key $value]
    }
    if {[string match ipx_busparam:* $obj] || [string match ipx_file:* $obj] || [string match ipx_core:* $obj]
        || [string match project:* $obj] || [string match fileset:* $obj] || [string match file:* $obj]
        || [string match run:* $obj]} {
        if {[string match run:* $obj] && [string match *TCL.PRE $key] && ![file exists $value]} {
            stub_error "\[Vivado 12-...\] $key: file $value does not exist"
        }
        if {$key eq "board_part"} { vv::check_board_part $value }
        vv::setp $obj $key $value
        return
    }
    stub_error "set_property $key: unknown object '$obj'"
}

# --- files and the packaging project -------------------------------------------------------------
proc create_project {args} {
    stub_log create_project {*}$args
    if {[lsearch -exact $args -in_memory] >= 0} {
        set vv::project [list in_memory ""]
    } else {
        set name [lindex $args 0]
        set dir [file normalize [lindex $args 1]]
        file mkdir $dir
        set vv::project [list $name $dir]
        set fd [open [file join $dir $name.xpr] w]; puts $fd "<Project/>"; close $fd
    }
    vv::setp project:current BOARD_PART_REPO_PATHS ""
    return project:current
}
proc current_project {} { return project:current }
# A project on disk outlives the Vivado session that made it: the stand-in keeps its state beside
# the .xpr (stub_state.tcl) and open_project reads it back.
proc vv::save_state {} {
    lassign $vv::project pname pdir
    if {$pname in {"" in_memory}} { return }
    set fd [open [file join $pdir stub_state.tcl] w]
    foreach var {files hdl ordered msg_errors project core cells connected ipdefs bd} {
        puts $fd [list set vv::$var [set vv::$var]]
    }
    foreach var {props runs params} { puts $fd [list array set vv::$var [array get vv::$var]] }
    close $fd
}
proc open_project {path} {
    stub_log open_project $path
    set state [file join [file dirname [file normalize $path]] stub_state.tcl]
    if {![file exists $path] || ![file exists $state]} { stub_error "\[Vivado 12-...\] project $path does not exist" }
    uplevel #0 [list source $state]
}
proc current_fileset {args} { return fileset:sources_1 }
proc get_filesets {args} { return fileset:[lindex $args end] }

proc vv::add_project_file {path kind} {
    set path [file normalize $path]
    if {![file exists $path]} { stub_error "\[filemgmt 56-xx\] File '$path' does not exist" }
    if {$path ni $vv::files} { lappend vv::files $path }
    if {$kind eq "hdl" && $path ni $vv::hdl} { lappend vv::hdl $path }
    set vv::ordered 0
}
proc read_verilog {args} {
    stub_log read_verilog {*}$args
    foreach f [lsearch -all -inline -not -glob $args -*] { vv::add_project_file $f hdl }
}
proc add_files {args} {
    stub_log add_files {*}$args
    foreach f [concat {*}[lsearch -all -inline -not -glob $args -*]] {
        set kind [expr {[string match *.v $f] || [string match *.sv $f] ? "hdl" : "other"}]
        vv::add_project_file $f $kind
    }
}
proc get_files {args} {
    # Only files added to the project: generated outputs such as the .hwh are never returned.
    set patterns [lsearch -all -inline -not -glob $args -*]
    set found {}
    foreach f $vv::files {
        foreach p [concat {*}$patterns] {
            if {[string match $p $f] || [string match $p [file tail $f]]} { lappend found file:$f; break }
        }
    }
    if {[lsearch -exact $args -of_objects] >= 0} { return "" }
    return $found
}
proc update_compile_order {args} { stub_log update_compile_order {*}$args; set vv::ordered 1 }

# --- IP packaging (ipx::) --------------------------------------------------------------------
proc vv::top_ports {} {
    set top [vv::getp fileset:sources_1 top]
    foreach f $vv::hdl {
        set text [vv::read_file $f]
        # the module header up to its first semicolon holds the port list (Tcl's regexps take
        # the greediness of their first quantifier, so no non-greedy matching here)
        if {[regexp "module\\s+$top\\M\[^;\]*;" $text ports]} {
            set names {}
            foreach {_ name} [regexp -all -inline {(?:input|output)\s+(?:wire|logic|reg)?\s*(?:\[[^\]]*\])?\s*(\w+)} $ports] {
                lappend names $name
            }
            return $names
        }
    }
    stub_error "\[IP_Flow 19-...\] top module '$top' not found among the project's HDL sources"
}
proc vv::read_file {path} { set fd [open $path]; set text [read $fd]; close $fd; return $text }

namespace eval ipx {}
proc ipx::package_project {args} {
    stub_log ipx::package_project {*}$args
    if {[lindex $vv::project 0] eq ""} { stub_error "no open project" }
    if {!$vv::ordered} {
        stub_error "\[IP_Flow 19-3157\] the compile order is not up to date: run update_compile_order before packaging"
    }
    set root [file normalize [lindex $args [expr {[lsearch -exact $args -root_dir] + 1}]]]
    file mkdir [file join $root src]
    set core ipx_core:[vv::getp fileset:sources_1 top]
    set vv::core $core
    vv::setp $core root $root
    vv::setp $core vendor [lindex $args [expr {[lsearch -exact $args -vendor] + 1}]]
    vv::setp $core library [lindex $args [expr {[lsearch -exact $args -library] + 1}]]
    vv::setp $core name [vv::getp fileset:sources_1 top]
    vv::setp $core version 1.0
    # -import_files copies the HDL sources into src/; other project files are not packaged.
    set group {}
    foreach f $vv::hdl {
        file copy -force $f [file join $root src]
        lappend group src/[file tail $f]
    }
    vv::setp $core groups [dict create xilinx_anylanguagesynthesis $group xilinx_anylanguagebehavioralsimulation $group]
    # What the design's $readmemh calls open: the memory files beside its HDL sources (names are
    # often built in the HDL, e.g. with $sformatf, so they are not all literals).
    set reads {}
    foreach dir [lsort -unique [lmap f $vv::hdl {file dirname $f}]] {
        foreach m [glob -nocomplain -directory $dir *.hex *.dat *.mem] { lappend reads [file tail $m] }
    }
    vv::setp $core reads [lsort -unique $reads]
    vv::setp $core filetypes {}
    # Bus interfaces inferred from the top's ports: clock and reset, one per AXI-Stream.
    set busifs {}
    foreach port [vv::top_ports] {
        if {[regexp {^(.*)_tdata$} $port -> bus]} { dict set busifs $bus axis }
        if {$port eq "ap_clk"} { dict set busifs ap_clk clock }
        if {$port eq "ap_rst_n"} { dict set busifs ap_rst_n reset }
    }
    vv::setp $core busifs $busifs
    # An inferred clock has ASSOCIATED_BUSIF and ASSOCIATED_RESET, but no FREQ_HZ.
    vv::setp $core busparams [dict create ap_clk {ASSOCIATED_RESET ap_rst_n}]
    return $core
}
proc ipx::current_core {} {
    if {$vv::core eq ""} { stub_error "\[IP_Flow 19-...\] no current core" }
    return $vv::core
}
proc ipx::find_open_core {vlnv} { return [ipx::current_core] }
proc ipx::get_bus_interfaces {args} {
    set core [ipx::current_core]
    set names [lsearch -all -inline -not -glob $args -*]
    set of [lindex $args [expr {[lsearch -glob $args -of*] + 1}]]
    set names [lsearch -all -inline -not -exact $names $of]
    set found {}
    dict for {bus kind} [vv::getp $core busifs] {
        if {[llength $names] == 0 || [lsearch -exact $names $bus] >= 0} { lappend found ipx_busif:$bus }
    }
    return $found
}
proc ipx::associate_bus_interfaces {args} {
    stub_log ipx::associate_bus_interfaces {*}$args
    set busif [lindex $args [expr {[lsearch -exact $args -busif] + 1}]]
    set clock [lindex $args [expr {[lsearch -exact $args -clock] + 1}]]
    if {![dict exists [vv::getp [ipx::current_core] busifs] $busif]} { stub_error "no bus interface $busif" }
    set p [vv::getp [ipx::current_core] busparams]
    dict set p $clock ASSOCIATED_BUSIF [lsort -unique [concat [expr {[dict exists $p $clock ASSOCIATED_BUSIF] ? [dict get $p $clock ASSOCIATED_BUSIF] : {}}] $busif]]
    vv::setp [ipx::current_core] busparams $p
}
proc ipx::get_bus_parameters {args} {
    set names [lsearch -all -inline -not -glob $args -*]
    set ofi [lsearch -glob $args -of*]
    set objects [lindex $args [expr {$ofi + 1}]]
    set names [lsearch -all -inline -not -exact $names $objects]
    set found {}
    set p [vv::getp [ipx::current_core] busparams]
    foreach obj $objects {
        set bus [string range $obj 10 end]
        if {![dict exists $p $bus]} { continue }
        dict for {name value} [dict get $p $bus] {
            if {[llength $names] == 0 || $name in $names} { lappend found ipx_busparam:$bus:$name }
        }
    }
    return $found
}
proc ipx::add_bus_parameter {name busif} {
    stub_log ipx::add_bus_parameter $name $busif
    set bus [string range $busif 10 end]
    set p [vv::getp [ipx::current_core] busparams]
    dict set p $bus $name ""
    vv::setp [ipx::current_core] busparams $p
    return ipx_busparam:$bus:$name
}
rename set_property vv::set_property_generic
proc set_property {args} {
    # bus parameters keep their values in the core
    set plain [lsearch -all -inline -not -exact $args -quiet]
    if {[llength $plain] == 3 && [lindex $plain 0] in {value value_resolve_type}} {
        set objects [lindex $plain 2]
        if {[llength $objects] == 0} { stub_error "\[Common 17-55\] 'set_property' expects at least one object." }
        foreach obj $objects {
            if {[string match ipx_busparam:* $obj]} {
                lassign [split [string range $obj 13 end] :] bus name
                set p [vv::getp [ipx::current_core] busparams]
                if {[lindex $plain 0] eq "value"} { dict set p $bus $name [lindex $plain 1] } else {
                    vv::setp $obj value_resolve_type [lindex $plain 1]
                }
                vv::setp [ipx::current_core] busparams $p
            }
        }
        stub_log set_property {*}$args
        return ""
    }
    vv::set_property_generic {*}$args
}
proc ipx::get_file_groups {args} {
    set name [lindex [lsearch -all -inline -not -glob $args -*] 0]
    if {![dict exists [vv::getp [ipx::current_core] groups] $name]} { return "" }
    return ipx_fg:$name
}
proc ipx::add_file {path group} {
    stub_log ipx::add_file $path $group
    if {[llength $group] == 0} { stub_error "ipx::add_file: no file group" }
    set core [ipx::current_core]
    if {![file exists [file join [vv::getp $core root] $path]]} {
        stub_error "\[IP_Flow 19-...\] file '$path' does not exist below the IP root [vv::getp $core root]"
    }
    set g [vv::getp $core groups]
    dict lappend g [string range $group 7 end] $path
    vv::setp $core groups $g
    return ipx_file:[string range $group 7 end]:$path
}
proc ipx::get_files {path args} { return ipx_file:[string range [lindex $args end] 7 end]:$path }
foreach cmd {create_xgui_files update_checksums} { proc ipx::$cmd {args} "stub_log ipx::$cmd {*}\$args" }
proc ipx::check_integrity {args} {
    stub_log ipx::check_integrity {*}$args
    set core [ipx::current_core]
    set p [vv::getp $core busparams]
    dict for {bus kind} [vv::getp $core busifs] {
        if {$kind eq "axis" && ![string match "*$bus*" [dict get $p ap_clk ASSOCIATED_BUSIF]]} {
            stub_error "\[IP_Flow 19-...\] bus interface $bus is not associated with a clock"
        }
    }
}
proc ipx::save_core {args} {
    stub_log ipx::save_core {*}$args
    vv::write_component [ipx::current_core]
}
proc ipx::unload_core {args} {}

# component.xml in IP-XACT form (the parts we read back): bus interfaces with their parameters,
# the file groups, and the core's properties.
proc vv::write_component {core} {
    set root [vv::getp $core root]
    set fd [open [file join $root component.xml] w]
    puts $fd {<?xml version="1.0" encoding="UTF-8"?>}
    puts $fd {<spirit:component xmlns:xilinx="http://www.xilinx.com" xmlns:spirit="http://www.spiritconsortium.org/XMLSchema/SPIRIT/1685-2009">}
    foreach k {vendor library name version} { puts $fd "  <spirit:$k>[vv::getp $core $k]</spirit:$k>" }
    puts $fd "  <spirit:busInterfaces>"
    set params [vv::getp $core busparams]
    dict for {bus kind} [vv::getp $core busifs] {
        puts $fd "    <spirit:busInterface><spirit:name>$bus</spirit:name><spirit:busType spirit:name=\"$kind\"/>"
        if {[dict exists $params $bus]} {
            dict for {n v} [dict get $params $bus] {
                puts $fd "      <spirit:parameter><spirit:name>$n</spirit:name><spirit:value>$v</spirit:value></spirit:parameter>"
            }
        }
        puts $fd "    </spirit:busInterface>"
    }
    puts $fd "  </spirit:busInterfaces>"
    puts $fd "  <spirit:fileSets>"
    dict for {group paths} [vv::getp $core groups] {
        puts $fd "    <spirit:fileSet><spirit:name>${group}_view_fileset</spirit:name>"
        foreach p $paths {
            set type [expr {[vv::hasp ipx_file:$group:$p type] ? [vv::getp ipx_file:$group:$p type] : "verilogSource"}]
            puts $fd "      <spirit:file><spirit:name>$p</spirit:name><spirit:userFileType>$type</spirit:userFileType></spirit:file>"
        }
        puts $fd "    </spirit:fileSet>"
    }
    puts $fd "  </spirit:fileSets>"
    foreach key [lsort [dict keys [set ::vv::props($core)]]] {
        if {$key in {groups busifs busparams filetypes root}} { continue }
        puts $fd "  <!-- stub-property $key=[vv::getp $core $key] -->"
    }
    puts $fd "</spirit:component>"
    close $fd
}
proc vv::read_component {path} {
    set text [vv::read_file $path]
    set c [dict create path $path props {} groups {} busifs {} busparams {}]
    foreach {_ k v} [regexp -all -inline {<!-- stub-property ([^=]+)=([^\n]*) -->} $text] { dict set c props $k $v }
    foreach {_ body} [regexp -all -inline {<spirit:fileSet>(.*?)</spirit:fileSet>} $text] {
        regexp {<spirit:name>(\w+)_view_fileset</spirit:name>} $body -> group
        dict set c groups $group [lmap {_ n} [regexp -all -inline {<spirit:file><spirit:name>([^<]+)</spirit:name>} $body] {set n}]
    }
    foreach {_ body} [regexp -all -inline {<spirit:busInterface>(.*?)</spirit:busInterface>} $text] {
        regexp {<spirit:name>(\w+)</spirit:name><spirit:busType spirit:name="(\w+)"} $body -> bus kind
        dict set c busifs $bus $kind
        foreach {_ n v} [regexp -all -inline {<spirit:parameter><spirit:name>(\w+)</spirit:name><spirit:value>([^<]*)</spirit:value>} $body] {
            dict set c busparams $bus $n $v
        }
    }
    return $c
}

proc package_xo {args} {
    stub_log package_xo {*}$args
    set opt [dict create]
    set xml_args {}
    for {set i 0} {$i < [llength $args]} {incr i} {
        set a [lindex $args $i]
        if {$a eq "-force"} { continue }
        if {$a eq "-kernel_xml_args"} { lappend xml_args [lindex $args [incr i]]; continue }
        dict set opt $a [lindex $args [incr i]]
    }
    set root [dict get $opt -ip_directory]
    if {![file exists [file join $root component.xml]]} { stub_error "\[Vivado 12-...\] no IP in $root" }
    set c [vv::read_component [file join $root component.xml]]
    set props [dict get $c props]
    foreach {key want} {sdx_kernel true sdx_kernel_type rtl} {
        if {![dict exists $props $key] || [dict get $props $key] ne $want} {
            stub_error "\[Vivado 12-...\] package_xo: the IP is not a Vitis RTL kernel ($key must be $want)"
        }
    }
    if {![dict exists $props vitis_drc] || ![string match "*ctrl_protocol ap_ctrl_none*" [dict get $props vitis_drc]]} {
        stub_error "\[Vivado 12-...\] package_xo: kernel without s_axi_control needs vitis_drc {ctrl_protocol ap_ctrl_none}"
    }
    # A kernel argument for every AXI-Stream interface: {name:4:id:port:0x0:0x0:ap_uint&lt;W>:0}
    dict for {bus kind} [dict get $c busifs] {
        if {$kind ne "axis"} { continue }
        if {[lsearch -glob $xml_args "$bus:4:*:$bus:*"] < 0} {
            stub_error "\[Vivado 12-...\] package_xo: no -kernel_xml_args for AXI-Stream port $bus"
        }
    }
    set fd [open [dict get $opt -xo_path] w]; puts $fd "stub xo"; close $fd
}

# --- board parts and the IP catalog ---------------------------------------------------------------
# Vivado 2024.2's own catalog holds AMD's boards; others (Pynq-Z1/Z2, Ultra96) come from board files.
set vv::catalog {xilinx.com:zcu104:part0:1.1 xilinx.com:kv260_som:part0:1.4}
proc set_param {name value} { stub_log set_param $name $value; set vv::params($name) $value }
proc get_param {name} { return [expr {[info exists vv::params($name)] ? $vv::params($name) : ""}] }
proc vv::board_parts {} {
    set parts $vv::catalog
    set dirs [concat [get_param board.repoPaths] [vv::getp project:current BOARD_PART_REPO_PATHS]]
    foreach dir $dirs {
        # Vivado reads the paths as given, relative to its working directory.
        foreach xml [vv::find_board_xml $dir] {
            set text [vv::read_file $xml]
            if {[regexp {<board [^>]*\svendor="([^"]+)"} $text -> vendor]
                && [regexp {<board [^>]*\sname="([^"]+)"} $text -> name]
                && [regexp {<file_version>([^<]+)</file_version>} $text -> version]} {
                lappend parts $vendor:$name:part0:$version
            }
        }
    }
    return [lsort -unique $parts]
}
proc vv::find_board_xml {dir} {
    if {![file isdirectory $dir]} { return {} }
    set found [glob -nocomplain -directory $dir board.xml]
    foreach sub [glob -nocomplain -type d -directory $dir *] { lappend found {*}[vv::find_board_xml $sub] }
    return $found
}
proc get_board_parts {args} {
    set patterns [lsearch -all -inline -not -glob $args -*]
    if {[llength $patterns] == 0} { return [vv::board_parts] }
    return [lsearch -all -inline -glob [vv::board_parts] [lindex $patterns 0]]
}
proc vv::check_board_part {part} {
    if {$part ni [vv::board_parts]} {
        stub_error "\[Board 49-71\] The board_part definition was not found for $part. The project's board_part property was not set."
    }
}
proc update_ip_catalog {args} {
    stub_log update_ip_catalog {*}$args
    set vv::ipdefs {}
    foreach dir [vv::getp project:current ip_repo_paths] {
        set xml [file join $dir component.xml]
        if {[file exists $xml]} {
            set c [vv::read_component $xml]
            set text [vv::read_file $xml]
            regexp {<spirit:vendor>([^<]*)</spirit:vendor>} $text -> v
            regexp {<spirit:library>([^<]*)</spirit:library>} $text -> l
            regexp {<spirit:name>([^<]*)</spirit:name>} $text -> n
            regexp {<spirit:version>([^<]*)</spirit:version>} $text -> ver
            dict set vv::ipdefs $v:$l:$n:$ver $xml
        }
    }
}
set vv::builtin_ips {processing_system7 xilinx.com:ip:processing_system7:5.5 zynq_ultra_ps_e xilinx.com:ip:zynq_ultra_ps_e:3.5
    axi_dma xilinx.com:ip:axi_dma:7.1 proc_sys_reset xilinx.com:ip:proc_sys_reset:5.0 smartconnect xilinx.com:ip:smartconnect:1.0}
proc get_ipdefs {args} {
    set filter [lindex $args [expr {[lsearch -exact $args -filter] + 1}]]
    if {[lsearch -exact $args -filter] >= 0 && [regexp {NAME == (\w+)} $filter -> name]} {
        return [expr {[dict exists $vv::builtin_ips $name] ? [dict get $vv::builtin_ips $name] : ""}]
    }
    set pattern [lindex [lsearch -all -inline -not -glob $args -*] 0]
    set all [concat [dict values $vv::builtin_ips] [dict keys $vv::ipdefs]]
    return [lsearch -all -inline -glob $all $pattern]
}

# --- block design ---------------------------------------------------------------------------------
proc create_bd_design {name} {
    stub_log create_bd_design $name
    set vv::bd $name
    lassign $vv::project pname pdir
    set path [file join $pdir $pname.srcs sources_1 bd $name $name.bd]
    file mkdir [file dirname $path]
    set fd [open $path w]; close $fd
    lappend vv::files $path
}
proc create_bd_cell {args} {
    stub_log create_bd_cell {*}$args
    set name [lindex $args end]
    set vlnv [lindex $args [expr {[lsearch -exact $args -vlnv] + 1}]]
    if {$vlnv eq ""} { stub_error "\[BD 5-7\] create_/ no VLNV" }
    set kind ""
    dict for {k v} $vv::builtin_ips { if {$v eq $vlnv} { set kind $k } }
    if {$kind eq ""} {
        if {![dict exists $vv::ipdefs $vlnv]} { stub_error "\[BD 5-216\] VLNV <$vlnv> is not supported for the current part." }
        set kind user
        vv::setp /$name component [vv::read_component [dict get $vv::ipdefs $vlnv]]
    }
    dict set vv::cells $name $kind
    vv::setp /$name kind $kind
    vv::setp /$name VLNV $vlnv
    switch $kind {
        axi_dma {
            foreach {k v} {c_include_sg 1 c_sg_length_width 14 c_m_axi_mm2s_data_width 32 c_m_axi_s2mm_data_width 32
                           c_m_axis_mm2s_tdata_width 32 c_s_axis_s2mm_tdata_width 32 c_include_mm2s_dre 0
                           c_include_s2mm_dre 0 c_addr_width 32 c_mm2s_burst_size 16 c_s2mm_burst_size 16} {
                vv::setp /$name CONFIG.$k $v
            }
        }
        processing_system7 { vv::setp /$name CONFIG.PCW_USE_S_AXI_HP0 0; vv::setp /$name CONFIG.PCW_FPGA0_PERIPHERAL_FREQMHZ 50 }
        zynq_ultra_ps_e {
            foreach {k v} {PSU__USE__S_AXI_GP2 0 PSU__USE__M_AXI_GP1 1 PSU__OVERRIDE__BASIC_CLOCK 1 PSU__CRL_APB__PL0_REF_CTRL__FREQMHZ 100} {
                vv::setp /$name CONFIG.$k $v
            }
        }
    }
    return /$name
}
proc vv::configure_cell {cell key value} {
    set kind [vv::getp /$cell kind]
    if {![string match CONFIG.* $key]} { vv::setp /$cell $key $value; return }
    set k [string range $key 7 end]
    if {$kind eq "axi_dma"} { vv::check_dma $cell $k $value }
    if {$kind in {axi_dma processing_system7 zynq_ultra_ps_e} && ![vv::hasp /$cell $key]} {
        stub_error "\[BD 41-1276\] parameter $k is not a parameter of $cell ($kind)"
    }
    if {$kind eq "zynq_ultra_ps_e" && $k eq "PSU__CRL_APB__PL0_REF_CTRL__FREQMHZ"
        && [vv::getp /$cell CONFIG.PSU__OVERRIDE__BASIC_CLOCK] ne "0"} {
        # the board preset's basic clock scheme wins: the request is accepted and not applied
        stub_log "WARNING: PL0 reference clock kept by the preset (PSU__OVERRIDE__BASIC_CLOCK is not 0)"
        return
    }
    vv::setp /$cell $key $value
}
# PG021 (AXI DMA v7.1): what each parameter may be, given the others.
proc vv::check_dma {cell k value} {
    set get [list vv::getp /$cell]
    set pow2 {8 16 32 64 128 256 512 1024}
    switch -- $k {
        c_m_axi_mm2s_data_width - c_m_axi_s2mm_data_width {
            if {$value ni {32 64 128 256 512 1024}} { stub_error "\[BD 41-1273\] $k $value out of range 32..1024" }
            set stream [expr {$k eq "c_m_axi_mm2s_data_width" ? "c_m_axis_mm2s_tdata_width" : "c_s_axis_s2mm_tdata_width"}]
            if {$value < [{*}$get CONFIG.$stream]} { stub_error "\[BD 41-1273\] $k $value is narrower than $stream [{*}$get CONFIG.$stream]" }
        }
        c_m_axis_mm2s_tdata_width - c_s_axis_s2mm_tdata_width {
            if {$value ni $pow2} { stub_error "\[BD 41-1273\] $k $value is not one of $pow2" }
            set mm [expr {$k eq "c_m_axis_mm2s_tdata_width" ? "c_m_axi_mm2s_data_width" : "c_m_axi_s2mm_data_width"}]
            if {$value > [{*}$get CONFIG.$mm]} {
                stub_error "\[BD 41-1273\] Value '$value' is out of the range for parameter '$k': the stream may be at most the memory-map width ($mm = [{*}$get CONFIG.$mm])"
            }
            set dre [expr {$k eq "c_m_axis_mm2s_tdata_width" ? "c_include_mm2s_dre" : "c_include_s2mm_dre"}]
            if {$value > 512 && [{*}$get CONFIG.$dre] == 1} { stub_error "\[BD 41-1273\] DRE is available only for streams up to 512 bits ($k $value)" }
        }
        c_include_mm2s_dre - c_include_s2mm_dre {
            set stream [expr {$k eq "c_include_mm2s_dre" ? "c_m_axis_mm2s_tdata_width" : "c_s_axis_s2mm_tdata_width"}]
            if {$value == 1 && [{*}$get CONFIG.$stream] > 512} { stub_error "\[BD 41-1273\] DRE is available only for streams up to 512 bits ($stream [{*}$get CONFIG.$stream])" }
        }
        c_addr_width { if {$value < 32 || $value > 64} { stub_error "\[BD 41-1273\] $k $value out of range 32..64" } }
        c_sg_length_width { if {$value < 8 || $value > 26} { stub_error "\[BD 41-1273\] $k $value out of range 8..26" } }
    }
}
# The pins each cell has, interface (intf) and plain.
proc vv::cell_pins {cell intf} {
    set kind [vv::getp /$cell kind]
    switch $kind {
        axi_dma { return [expr {$intf ? {S_AXI_LITE M_AXI_MM2S M_AXI_S2MM M_AXIS_MM2S S_AXIS_S2MM}
                                       : {s_axi_lite_aclk m_axi_mm2s_aclk m_axi_s2mm_aclk axi_resetn mm2s_introut s2mm_introut}}] }
        processing_system7 {
            if {$intf} { return [concat {M_AXI_GP0 DDR FIXED_IO} [expr {[vv::getp /$cell CONFIG.PCW_USE_S_AXI_HP0] ? "S_AXI_HP0" : ""}]] }
            return {FCLK_CLK0 FCLK_RESET0_N M_AXI_GP0_ACLK S_AXI_HP0_ACLK}
        }
        zynq_ultra_ps_e {
            if {$intf} { return [concat M_AXI_HPM0_FPD [expr {[vv::getp /$cell CONFIG.PSU__USE__M_AXI_GP1] ? "M_AXI_HPM1_FPD" : ""}] \
                                        [expr {[vv::getp /$cell CONFIG.PSU__USE__S_AXI_GP2] ? "S_AXI_HP0_FPD" : ""}]] }
            return {pl_clk0 pl_resetn0 maxihpm0_fpd_aclk maxihpm1_fpd_aclk saxihp0_fpd_aclk}
        }
        proc_sys_reset { return [expr {$intf ? {} : {slowest_sync_clk ext_reset_in peripheral_aresetn interconnect_aresetn}}] }
        user {
            set c [vv::getp /$cell component]
            set buses [dict get $c busifs]
            if {$intf} { return [lmap {b k} $buses {expr {$k eq "axis" ? $b : [continue]}}] }
            return [lmap {b k} $buses {expr {$k in {clock reset} ? $b : [continue]}}]
        }
    }
    return {}
}
proc vv::pins {args intf} {
    set found {}
    foreach path [concat {*}[lsearch -all -inline -not -glob $args -*]] {
        set path [string trimleft $path /]
        lassign [split $path /] cell pin
        if {![dict exists $vv::cells $cell]} { continue }
        foreach p [vv::cell_pins $cell $intf] {
            if {[string match $pin $p]} { lappend found /$cell/$p }
        }
    }
    return $found
}
proc get_bd_intf_pins {args} { return [vv::pins $args 1] }
proc get_bd_pins {args} { return [vv::pins $args 0] }
proc get_bd_cells {args} {
    set filter [expr {[lsearch -exact $args -filter] >= 0 ? [lindex $args [expr {[lsearch -exact $args -filter] + 1}]] : ""}]
    set names [lsearch -all -inline -not -glob $args -*]
    if {$filter ne ""} { set names [lsearch -all -inline -not -exact $names $filter] }
    set found {}
    dict for {cell kind} $vv::cells {
        if {[llength $names] && [lsearch -exact [lmap n $names {string trimleft $n /}] $cell] < 0} { continue }
        if {[regexp {VLNV =~ "([^"]+)"} $filter -> pattern] && ![string match $pattern [vv::getp /$cell VLNV]]} { continue }
        lappend found /$cell
    }
    return $found
}
proc vv::connect {pin} {
    if {[llength $pin] != 1} { stub_error "\[BD 5-...\] no such pin" }
    lappend vv::connected $pin
}
proc connect_bd_intf_net {args} {
    stub_log connect_bd_intf_net {*}$args
    set pins [lsearch -all -inline -not -glob $args -*]
    foreach p $pins {
        if {[llength $p] != 1} { stub_error "\[BD 5-106\] connect_bd_intf_net: an interface pin does not exist ($pins)" }
        if {$p in $vv::connected} { stub_error "\[BD 5-106\] interface pin $p is already connected" }
    }
    foreach p $pins { vv::connect $p }
}
proc connect_bd_net {args} {
    stub_log connect_bd_net {*}$args
    foreach p [lsearch -all -inline -not -glob $args -*] {
        if {[llength $p] == 0} { stub_error "\[BD 5-...\] connect_bd_net: a pin does not exist ($args)" }
        foreach one $p { vv::connect $one }
    }
}
proc apply_bd_automation {args} {
    stub_log apply_bd_automation {*}$args
    set rule [lindex $args [expr {[lsearch -exact $args -rule] + 1}]]
    set config [lindex $args [expr {[lsearch -exact $args -config] + 1}]]
    set objects [lindex $args end]
    if {[llength $objects] == 0} { stub_error "\[BD 5-...\] apply_bd_automation: no object" }
    switch -glob $rule {
        *processing_system7 - *zynq_ultra_ps_e {
            foreach p {DDR FIXED_IO} { lappend vv::connected $objects/$p }
        }
        *axi4 {
            set obj $objects
            if {$obj in $vv::connected} {
                stub_error "\[BD 5-...\] No connection automation is available for $obj: the pin is already connected"
            }
            set master [dict get $config Master]
            set slave [dict get $config Slave]
            if {[llength [get_bd_intf_pins $master]] != 1 || [llength [get_bd_intf_pins $slave]] != 1} {
                stub_error "\[BD 5-...\] apply_bd_automation: Master $master or Slave $slave does not exist"
            }
            if {$obj ne $master && $obj ne $slave} { stub_error "\[BD 5-...\] $obj is neither Master nor Slave" }
            # an interconnect joins them; the same slave may serve further masters through it
            foreach p [list $master $slave] { if {$p ni $vv::connected} { lappend vv::connected $p } }
            foreach cellpin [list $master $slave] {
                set cell [lindex [split [string trimleft $cellpin /] /] 0]
                foreach clk [vv::cell_pins $cell 0] {
                    if {[string match *aclk* $clk] || [string match *ACLK $clk] || $clk eq "axi_resetn"} { lappend vv::connected /$cell/$clk }
                }
            }
            if {[llength [get_bd_cells -filter {VLNV =~ "*proc_sys_reset*"}]] == 0} {
                create_bd_cell -type ip -vlnv xilinx.com:ip:proc_sys_reset:5.0 rst_ps_100M
                foreach p {slowest_sync_clk ext_reset_in} { lappend vv::connected /rst_ps_100M/$p }
            }
        }
        default { stub_error "apply_bd_automation: unknown rule $rule" }
    }
}
proc vv::pin_freq {pin} {
    lassign [split [string trimleft $pin /] /] cell p
    set kind [vv::getp /$cell kind]
    if {$kind eq "processing_system7"} {
        # IO PLL 1000 MHz through two 6-bit dividers: the nearest achievable frequency
        set want [vv::getp /$cell CONFIG.PCW_FPGA0_PERIPHERAL_FREQMHZ]
        set div [expr {max(1, round(1000.0 / $want))}]
        return [expr {round(1e9 / $div)}]
    }
    if {$kind eq "zynq_ultra_ps_e"} {
        set want [vv::getp /$cell CONFIG.PSU__CRL_APB__PL0_REF_CTRL__FREQMHZ]
        set div [expr {max(1, round(999.999 / $want))}]
        return [expr {round(999999000.0 / $div)}]
    }
    stub_error "get_property CONFIG.FREQ_HZ: $pin is not a clock"
}
proc validate_bd_design {args} {
    stub_log validate_bd_design {*}$args
    dict for {cell kind} $vv::cells {
        if {$kind ni {user axi_dma}} { continue }
        foreach intf {1 0} {
            foreach p [vv::cell_pins $cell $intf] {
                if {$p in {mm2s_introut s2mm_introut}} { continue }
                if {"/$cell/$p" ni $vv::connected} { stub_error "\[BD 41-759\] The input pins (listed below) are either not connected or do not have a source port: /$cell/$p" }
            }
        }
    }
    # stream widths must agree on each side of the DMA
    foreach {dma_k accel_bus} {c_m_axis_mm2s_tdata_width s_axis_0 c_s_axis_s2mm_tdata_width m_axis_0} {
        foreach dma [get_bd_cells -filter {VLNV =~ "*axi_dma*"}] {
            set width [vv::getp $dma CONFIG.$dma_k]
            foreach user [dict keys [dict filter $vv::cells value user]] {
                set hdl [vv::component_hdl [vv::getp /$user component]]
                if {[regexp "\\\[(\\d+):0\\\]\\s+${accel_bus}_tdata" $hdl -> msb] && $msb + 1 != $width} {
                    stub_error "\[BD 41-237\] Bus Interface property TDATA_NUM_BYTES does not match between /$user/$accel_bus ([expr {($msb + 1) / 8}]) and the DMA ([expr {$width / 8}])"
                }
            }
        }
    }
}
proc vv::component_hdl {c} {
    set root [file dirname [dict get $c path]]
    set text ""
    foreach p [dict get $c groups xilinx_anylanguagesynthesis] {
        if {[string match *.v $p] || [string match *.sv $p]} { append text [vv::read_file [file join $root $p]] }
    }
    return $text
}
foreach cmd {assign_bd_address save_bd_design close_project report_ip_status} { proc $cmd {args} "stub_log $cmd {*}\$args" }
proc make_wrapper {args} {
    stub_log make_wrapper {*}$args
    set bdfile [lindex $args [expr {[lsearch -exact $args -files] + 1}]]
    if {[llength $bdfile] == 0} { stub_error "\[Vivado 12-...\] make_wrapper: no block design file given" }
    lassign $vv::project pname pdir
    set path [file join $pdir $pname.gen sources_1 bd $vv::bd hdl ${vv::bd}_wrapper.v]
    file mkdir [file dirname $path]
    set fd [open $path w]; puts $fd "module ${vv::bd}_wrapper(); endmodule"; close $fd
    return $path
}
proc set_msg_config {args} {
    stub_log set_msg_config {*}$args
    set id [lindex $args [expr {[lsearch -exact $args -id] + 1}]]
    if {[lsearch -exact $args -new_severity] >= 0 && [lindex $args [expr {[lsearch -exact $args -new_severity] + 1}]] eq "ERROR"} {
        lappend vv::msg_errors $id
    }
}
proc version {args} { return 2024.2 }

# --- runs ---------------------------------------------------------------------------------------
proc get_runs {args} {
    set names [lsearch -all -inline -not -glob $args -*]
    if {[llength $names] == 0} { return {run:synth_1 run:impl_1} }
    return [lmap n $names {set n run:$n}]
}
proc vv::run_property {run key} {
    switch $key {
        PROGRESS { return [expr {[info exists vv::runs($run)] ? [dict get $vv::runs($run) progress] : "0%"}] }
        STATUS { return [expr {[info exists vv::runs($run)] ? [dict get $vv::runs($run) status] : "Not started"}] }
        STATS.WNS { return [expr {[info exists ::env(STUB_WNS)] ? $::env(STUB_WNS) : 0.5}] }
        STATS.WHS { return [expr {[info exists ::env(STUB_WHS)] ? $::env(STUB_WHS) : 0.05}] }
        DIRECTORY { lassign $vv::project pname pdir; return [file join $pdir $pname.runs $run] }
    }
    return [vv::getp run:$run $key]
}
# Synthesis of the user IPs in the block design: the files Vivado gets are the IP's file groups.
proc vv::synthesize {log} {
    set promoted [expr {"Synth 8-4445" in $vv::msg_errors}]
    set pre [vv::getp run:synth_1 STEPS.SYNTH_DESIGN.TCL.PRE]
    if {$pre ne "" && [regexp {Synth 8-4445.*-new_severity\s+ERROR} [vv::read_file $pre]]} { set promoted 1 }
    set failed 0
    dict for {cell kind} $vv::cells {
        if {$kind ne "user"} { continue }
        set c [vv::getp /$cell component]
        set hdl [vv::component_hdl $c]
        set packaged [lmap p [dict get $c groups xilinx_anylanguagesynthesis] {file tail $p}]
        foreach name [dict get $c props reads] {
            if {$name in $packaged} { continue }
            if {$promoted} {
                puts $log "ERROR: \[Synth 8-4445\] could not open \$readmem data file '$name'"
                set failed 1
            } else {
                puts $log "CRITICAL WARNING: \[Synth 8-4445\] could not open \$readmem data file '$name'; memory initialization skipped"
            }
        }
        foreach {_ value} [regexp -all -inline {ram_style\s*=\s*"(\w+)"} $hdl] {
            if {$value ni {block distributed registers ultra mixed auto}} {
                puts $log "WARNING: \[Synth 8-5xxx\] unsupported value '$value' of attribute ram_style: ignored"
            }
        }
    }
    return $failed
}
proc launch_runs {args} {
    stub_log launch_runs {*}$args
    set run [lindex [lsearch -all -inline -not -glob $args -*] 0]
    if {$run eq "impl_1" && [lsearch -exact $args -to_step] < 0} { stub_error "launch_runs impl_1 without -to_step writes no bitstream" }
    lassign $vv::project pname pdir
    foreach r {synth_1 impl_1} { file mkdir [file join $pdir $pname.runs $r] }
    set slog [open [file join $pdir $pname.runs synth_1 runme.log] w]
    set failed [vv::synthesize $slog]
    close $slog
    if {$failed} {
        set vv::runs(synth_1) [dict create progress 0% status "synth_design ERROR"]
        set vv::runs(impl_1) [dict create progress 0% status "Not started"]
        return
    }
    set vv::runs(synth_1) [dict create progress 100% status "synth_design Complete!"]
    set hwh [file join $pdir $pname.gen sources_1 bd $vv::bd hw_handoff $vv::bd.hwh]
    file mkdir [file dirname $hwh]
    set fd [open $hwh w]; puts $fd "<EDKSYSTEM/>"; close $fd
    set fd [open [file join $pdir $pname.runs impl_1 runme.log] w]; puts $fd "route_design complete"; close $fd
    set vv::runs(impl_1) [dict create progress 100% status "write_bitstream Complete!"]
}
proc wait_on_run {args} { stub_log wait_on_run {*}$args }
proc open_run {run args} {
    stub_log open_run $run {*}$args
    if {![info exists vv::runs($run)] || [dict get $vv::runs($run) progress] ne "100%"} {
        stub_error "\[Vivado 12-...\] run $run is not complete"
    }
    set vv::opened_run $run
}
proc vv::report {args} {
    set f [lindex $args [expr {[lsearch -exact $args -file] + 1}]]
    set fd [open $f w]; puts $fd "stub report"; close $fd
}
proc report_utilization {args} { stub_log report_utilization {*}$args; vv::report {*}$args }
proc report_timing_summary {args} { stub_log report_timing_summary {*}$args; vv::report {*}$args }
proc write_bitstream {args} {
    stub_log write_bitstream {*}$args
    if {$vv::opened_run ne "impl_1"} { stub_error "\[Common 17-53\] write_bitstream needs an implemented design (open_run impl_1)" }
    set fd [open [lindex $args end] w]; puts $fd "stub bitstream"; close $fd
}

# Vivado's Tcl knows no other command: a misspelt one fails here as it would there.
proc unknown {args} { stub_error "invalid command name \"[lindex $args 0]\"" }

set script [lindex $argv 0]
set argv [lrange $argv 1 end]
set argc [llength $argv]
if {[catch {source $script} message]} {
    vv::save_state
    puts [expr {[string match ERROR:* $message] ? $message : "ERROR: $message"}]
    puts $::errorInfo
    exit 1
}
vv::save_state
exit 0
