# GPU image: CUDA runtime, torch (CUDA build), flash-attn, the app as a non-root user.
# Build: docker build -t math-tutor .   Run: docker run --gpus all -p 7860:7860 -v tutor-data:/data math-tutor
FROM nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04

ENV DEBIAN_FRONTEND=noninteractive PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    TUTOR_HOST=0.0.0.0 TUTOR_PORT=7860 TUTOR_DATA_DIR=/data HF_HOME=/data/hf
RUN apt-get update && apt-get install -y --no-install-recommends python3 python3-venv python3-pip curl \
    && rm -rf /var/lib/apt/lists/*
RUN python3 -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /app
COPY requirements.txt .
# torch from the CUDA index (the CPU pin in requirements.txt is the same version);
# flash-attn as a prebuilt wheel matching that torch (it cannot build without nvcc).
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cu128 \
    && pip install -r requirements.txt \
    && pip install flash-attn --no-build-isolation || echo "flash-attn unavailable: falling back to sdpa"
COPY . .

RUN useradd --create-home --uid 1000 tutor && mkdir -p /data && chown tutor:tutor /data
USER tutor
VOLUME /data
EXPOSE 7860
HEALTHCHECK --interval=30s --timeout=5s --start-period=300s CMD curl -fsS http://127.0.0.1:7860/health || exit 1
CMD ["python", "app.py"]
