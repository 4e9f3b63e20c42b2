"""join_buffer, the FIFO a join's waiting side needs, on hand-made needs: for an identity shortcut
it is the long branch's lead less the fork's register; with layers on the waiting side it counts
the elements that side has produced while the join waits."""
import math

import numpy as np

from build_flows.rtl.shortcut_depth import join_buffer

FRAME = 64


def identity_need():
    return np.arange(FRAME) + 1


def vector_need(vector: int):
    """A matrix-vector unit on the branch: output e needs the whole input vector it belongs to."""
    e = np.arange(FRAME)
    return np.minimum((e // vector + 1) * vector, FRAME)


def test_an_identity_shortcut_holds_the_long_branchs_lead_less_the_forks_word():
    buffer = join_buffer(identity_need(), vector_need(16), identity=True, fork_elems_per_word=2, fifo_elems_per_word=2)
    lead = int(np.max(vector_need(16) - np.arange(FRAME)))
    assert buffer.lead_elements == lead == 16
    assert buffer.deadlock_free_depth == math.ceil((lead - 2) / 2)


def test_a_waiting_side_with_layers_holds_what_it_produced_meanwhile():
    # waiting side: vectors of 4 (it produces 4 elements once it has read each 4), other: vectors of 16
    buffer = join_buffer(vector_need(4), vector_need(16), identity=False, fork_elems_per_word=1, fifo_elems_per_word=1)
    # while the join waits for element 0 of the other side (need 16), the waiting side has produced 16
    assert buffer.lead_elements == 16 and buffer.deadlock_free_depth == 16
    # the same layers on both sides: nothing to wait for beyond the element itself
    same = join_buffer(vector_need(16), vector_need(16), identity=False, fork_elems_per_word=1, fifo_elems_per_word=1)
    assert same.lead_elements == 16  # a vector's elements arrive together: the first waits for its 15 siblings


def test_branch_buffering_adds_to_the_depth():
    buffer = join_buffer(identity_need(), vector_need(16), identity=True, fork_elems_per_word=1, fifo_elems_per_word=1,
                         branch_buffer_elements=10)
    assert buffer.depth == buffer.deadlock_free_depth + 10
