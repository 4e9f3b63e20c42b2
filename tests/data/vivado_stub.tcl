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

# The commands, by subject (each file is sourced in this order).
foreach part {ipx block_design runs} {
    source [file join [file dirname [file normalize [info script]]] vivado_stub $part.tcl]
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
