# GPU image: CUDA runtime, torch (CUDA build), flash-attn when a wheel fits, the app as a non-root user.
#   docker build -t math-tutor .
#   docker run --gpus all -p 7860:7860 -v tutor-data:/data math-tutor
# The model (Phi-4-mini-reasoning by default on a GPU, ~7.7 GB) is downloaded on first start
# into the /data volume (HF_HOME) and reused afterwards; /health answers 503 until it is loaded.
# Scale-out instead: run vLLM separately and start this image with TUTOR_BACKEND=openai
# TUTOR_OPENAI_BASE_URL=http://vllm:8000/v1 (docs/serving.md).
FROM nvidia/cuda:12.8.1-runtime-ubuntu24.04

ENV DEBIAN_FRONTEND=noninteractive PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TUTOR_HOST=0.0.0.0 TUTOR_PORT=7860 TUTOR_DATA_DIR=/data HF_HOME=/data/hf
RUN apt-get update && apt-get install -y --no-install-recommends python3 python3-venv curl \
    && rm -rf /var/lib/apt/lists/*
RUN python3 -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /app
COPY requirements.txt .
# torch's CUDA 12.8 build first (requirements.txt pins the same version, so pip keeps it), then
# the app's pins. flash-attn is optional: its setup fetches a prebuilt wheel matching torch,
# CUDA and Python and cannot compile here (no nvcc); without it the app uses sdpa. Only that
# step may fail — a failing torch or requirements install fails the build.
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cu128 \
    && pip install -r requirements.txt \
    && (pip install packaging ninja psutil wheel && pip install flash-attn==2.8.3.post2 --no-build-isolation \
        || echo "flash-attn: no prebuilt wheel for this torch; attention falls back to sdpa")
COPY . .

# Ubuntu 24.04 images already have user "ubuntu" with uid 1000; the app gets its own uid.
RUN useradd --create-home --uid 10001 tutor && mkdir -p /data && chown tutor:tutor /data
USER tutor
VOLUME /data
EXPOSE 7860
HEALTHCHECK --interval=30s --timeout=5s --start-period=900s --retries=3 \
    CMD curl -fsS http://127.0.0.1:7860/health || exit 1
CMD ["python", "app.py"]
