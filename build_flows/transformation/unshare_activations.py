"""UnshareBinaryActivations: one binary activation (BipolarQuant, and the -1 padding after it)
read by several layers gets a copy per layer.

The exporter shares one activation between the convolutions that read the same tensor (SoFAr's
fractal columns). FINN+ turns a bipolar MatMul into an XNOR-popcount by switching its upstream
bipolar MultiThreshold to 0/1 outputs; with two MatMuls behind one threshold the second finds it
already switched and fails. With a copy each, the fork moves in front of the activation (it
duplicates the activation's input stream instead), and each layer's thresholds stay its own.
"""
import copy

from qonnx.transformation.base import Transformation

PASS_THROUGH = ("Pad",)


class UnshareBinaryActivations(Transformation):
    def apply(self, model):
        for quant in model.get_nodes_by_op_type("BipolarQuant"):
            if model.get_initializer(quant.input[0]) is not None:
                continue  # weights
            chain, tensor = [quant], quant.output[0]
            consumers = model.find_consumers(tensor)
            while len(consumers) == 1 and consumers[0].op_type in PASS_THROUGH:
                chain.append(consumers[0])
                tensor = consumers[0].output[0]
                consumers = model.find_consumers(tensor)
            if len(consumers) < 2:
                continue
            index = list(model.graph.node).index(chain[-1]) + 1
            for k, consumer in enumerate(consumers[1:], start=1):
                previous = chain[0].input[0]
                for node in chain:
                    clone = copy.deepcopy(node)
                    clone.name = f"{node.name}_copy{k}"
                    clone.input[0] = previous
                    clone.output[0] = f"{node.output[0]}_copy{k}"
                    model.set_tensor_shape(clone.output[0], model.get_tensor_shape(node.output[0]))
                    model.graph.node.insert(index, clone)
                    index += 1
                    previous = clone.output[0]
                consumer.input[:] = [previous if t == tensor else t for t in consumer.input]
            return model, True
        return model, False
