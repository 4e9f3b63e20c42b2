# Part of tests/data/vivado_stub.tcl (sourced by it): synthesis and implementation runs, reports, bitstreams.

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
