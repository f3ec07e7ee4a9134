"""Packaging for pulp-amqp-tools: declarative, console scripts pulp-listen and pulp-emit."""

from setuptools import find_packages, setup

setup(
    name="pulp-amqp-tools",
    version="0.1.0",
    description="Watch, test and script Pulp's AMQP event notifications: pulp-listen and pulp-emit",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="MIT",
    python_requires=">=3.10",
    packages=find_packages(include=["pulp_amqp_tools", "pulp_amqp_tools.*"]),
    install_requires=[
        "pika>=1.3.2",
        "argcomplete>=3.1",
        "rich>=13.7",
        "rich-argparse>=1.4",
    ],
    extras_require={
        "test": [
            "pytest>=8",
            "pytest-timeout>=2.2",
            "hypothesis>=6.100",
            "pexpect>=4.9",
            "cryptography>=42",
            "ruff>=0.5",
            "mypy>=1.10",
            "types-pika-ts>=1.3",
        ],
    },
    entry_points={
        "console_scripts": [
            "pulp-listen = pulp_amqp_tools.listen:entry",
            "pulp-emit = pulp_amqp_tools.emit:entry",
        ],
    },
    classifiers=[
        "Environment :: Console",
        "Programming Language :: Python :: 3",
        "Topic :: System :: Networking :: Monitoring",
    ],
)
