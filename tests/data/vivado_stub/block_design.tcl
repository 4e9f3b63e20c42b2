# Part of tests/data/vivado_stub.tcl (sourced by it): board parts, the IP catalog and the block design.

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
