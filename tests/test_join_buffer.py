"""join_buffer, the FIFO a join's waiting side needs, on hand-made needs: for an identity shortcut
it is the long branch's lead less the fork's register; with layers on the waiting side it counts
the elements that side has produced while the join waits; at a concatenation, less what the join
has already taken of it."""
import math

import numpy as np

from build_flows.rtl.shortcut_depth import concat_requirements, join_buffer, through

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


def test_a_concatenation_holds_what_the_waiting_input_produced_less_what_it_took():
    """Per pixel the join takes 2 elements of input 0 (the fork's stream itself), then 1 of input 1,
    whose element p needs the fork's pixels up to p + 3 (a window 4 pixels ahead)."""
    pixels = 16
    fork_need = np.arange(2 * pixels) + 1
    ahead_need = np.minimum((np.arange(pixels) + 4) * 2, 2 * pixels)
    taken_0, taken_1 = concat_requirements([2, 1], 3 * pixels)
    assert taken_0[:6].tolist() == [1, 2, 2, 3, 4, 4] and taken_1[:6].tolist() == [0, 0, 1, 1, 1, 2]
    other = through(ahead_need, taken_1)  # what output e needs of the fork through input 1
    buffer = join_buffer(fork_need, other, identity=True, fork_elems_per_word=1, fifo_elems_per_word=1,
                         taken=np.concatenate([[0], taken_0[:-1]]))
    # at input 1's element of pixel p the fork has sent 2 (p + 4) elements, the join took 2 p + 2
    assert buffer.lead_elements == 6 and buffer.deadlock_free_depth == 5
