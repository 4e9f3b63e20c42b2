# Part of tests/data/vivado_stub.tcl (sourced by it): IP packaging, ipx:: and package_xo.

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
