// Loaded by classic Jupyter Notebook (6.x) from the kernelspec ("kernel.js"): it makes Notebook 6 send what
// JupyterLab, Notebook 7 and VS Code send with every execute_request, `metadata.cellId` (the cell's id) and
// `metadata.deletedCells` (ids of cells deleted since the last execution), so that the nasbook kernel can tell an
// edited cell (same id, new code) from a new cell defining the same names. Plain ES5 for Notebook 6's requirejs.
define(["base/js/namespace", "notebook/js/codecell"], function (Jupyter, codecell) {
  "use strict";
  function onload() {
    var CodeCell = codecell.CodeCell;
    if (CodeCell.prototype.__nasbookCellIds) return;
    CodeCell.prototype.__nasbookCellIds = true;
    var deleted = [];
    Jupyter.notebook.events.on("delete.Cell", function (event, data) {
      var cell = data && data.cell;
      if (cell && (cell.id || cell.cell_id)) deleted.push(cell.id || cell.cell_id);
    });
    var execute = CodeCell.prototype.execute;
    CodeCell.prototype.execute = function () {
      var cell = this;
      var kernel = this.kernel;
      if (!kernel || typeof kernel.send_shell_message !== "function") return execute.apply(this, arguments);
      var send = kernel.send_shell_message;
      kernel.send_shell_message = function (type, content, callbacks, metadata, buffers) {
        if (type === "execute_request") {
          var meta = {};
          for (var k in metadata || {}) meta[k] = metadata[k];
          meta.cellId = cell.id || cell.cell_id;
          meta.deletedCells = deleted.splice(0);
          metadata = meta;
        }
        return send.call(this, type, content, callbacks, metadata, buffers);
      };
      try {
        return execute.apply(this, arguments);
      } finally {
        kernel.send_shell_message = send;
      }
    };
  }
  return { onload: onload };
});
