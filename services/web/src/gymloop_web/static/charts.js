// The report charts: every <canvas data-chart='{"type", "label", "labels", "values", "unit"}'> becomes a Chart.js
// chart (static/chart.umd.min.js, vendored). A file of our own, as the pages allow no inline script.
document.addEventListener("DOMContentLoaded", () => {
  for (const canvas of document.querySelectorAll("canvas[data-chart]")) {
    const spec = JSON.parse(canvas.dataset.chart);
    new Chart(canvas, {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: [{ label: spec.label, data: spec.values, borderColor: "#0b6bcb", backgroundColor: "#0b6bcb99" }],
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: { y: { beginAtZero: true } },
        plugins: { tooltip: { callbacks: { label: (item) => `${item.formattedValue}${spec.unit}` } } },
      },
    });
  }
});
